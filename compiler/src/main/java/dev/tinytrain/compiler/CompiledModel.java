package dev.tinytrain.compiler;

import dev.tinytrain.backend.c.CEmitter;
import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.planner.MemoryPlan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@link Compiler#compile}: the scheduled training step, its memory plan and report, and a JVM
 * session that runs the step on exactly that plan.
 *
 * @param forward the forward graph that was compiled
 * @param step the scheduled training step (fused in-place updates unless turned off)
 * @param plan the static memory plan
 * @param report the memory report against the target
 * @param target the target
 * @param options the options
 */
public record CompiledModel(Graph forward, TrainingGraph step, MemoryPlan plan, MemoryReport report, Target target,
                            CompileOptions options) {

    /**
     * A new JVM session on the plan: {@code trainStep(input, label)} and {@code infer(input)}, with its own copy of
     * the parameters (each session trains independently).
     */
    public TrainingSession newSession() {
        return new TrainingSession(step, plan.layout(), options.training().seed());
    }

    /**
     * Writes the step as a self-contained C99 folder (atomically: complete or absent): the model, the kernels, the
     * Makefile and the STM32F746 linker script. {@code tt_train_step} and {@code tt_infer} there are bit-identical to
     * {@link #newSession()}'s. The provenance names the forward graph's SHA-256 (its IR JSON, weights included).
     */
    public CModel emitC(Path dir) {
        return emitC(dir, sha256(IrJson.write(forward)));
    }

    /** {@link #emitC(Path)} stating {@code modelSha256} (e.g. of the model's weights file) as the provenance. */
    public CModel emitC(Path dir, String modelSha256) {
        CModel m = toC(modelSha256);
        m.writeTo(dir);
        return m;
    }

    /** The C model of the step, not yet written. */
    public CModel toC(String modelSha256) {
        return CEmitter.training(step, step.graph().nodes(), plan.layout(), options.training().seed(), Map.of(),
                cProvenance(modelSha256));
    }

    /** What the generated C states about its origin. */
    public CEmitter.Provenance cProvenance(String modelSha256) {
        String planner = String.format(Locale.ROOT, "arena %,d B, lower bound %,d B (efficiency %.4f, %s); SRAM %,d B,"
                + " Flash %,d B estimated", report.arenaBytes(), report.lowerBoundBytes(), report.efficiency(),
                report.strategy(), report.sramTotalBytes(), report.flashBytes());
        return new CEmitter.Provenance(forward.name(), modelSha256, options.policyName(),
                options.training().rounding() + ", lr " + options.training().lr() + " (biases "
                        + options.training().biasLr() + "), QAS " + (options.training().qas() ? "on" : "off"),
                options.training().seed(), planner, target.name(), Math.max(target.stackBytes(), 1024),
                CEmitter.VERSION);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
