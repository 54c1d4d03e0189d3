package dev.tinytrain.cli;

import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CTools;
import dev.tinytrain.compiler.CompiledModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tinytrain bench insns}: the instructions one {@code tt_train_step} and one {@code tt_infer} execute on the
 * Cortex-M7, counted exactly under QEMU by the insncount plugin -- instructions, not cycles: QEMU models neither
 * dual issue, caches, TCM timing nor Flash wait states.
 */
@Command(name = "insns", mixinStandardHelpOptions = true,
        description = "Instructions of one tt_train_step and one tt_infer on the Cortex-M7 (QEMU, exact counts) "
                + "per model and scheme, beside TTE's measured latency.")
final class InsnsBenchCommand implements Callable<Integer> {
    /** TTE's measured training latency per image on the STM32F746 at 216 MHz (TTE-FACTS §H), by model. */
    static double tteMillis(String model) {
        return switch (model) {
            case "mbv2-w0.35" -> 373;
            case "proxyless-w0.3" -> 443;
            case "mcunet-5fps" -> 546;
            default -> Double.NaN;
        };
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--schemes", split = ",", paramLabel = "NAME",
            defaultValue = "mcunet-99kb,mbv2-99kb,proxyless-98kb",
            description = "presets to measure (default: ${DEFAULT-VALUE})")
    List<String> schemes;

    @Option(names = "--model", paramLabel = "PATH", description = "measure this model (a .tflite file or a model "
            + "folder) with every --schemes preset instead of the shared models (e.g. --model x.tflite --schemes "
            + "head-only)")
    Path model;

    @Option(names = "--rounding", defaultValue = "stochastic", paramLabel = "MODE",
            description = "nearest_even, stochastic or float_master (default: ${DEFAULT-VALUE})")
    String rounding;

    @Option(names = "--shared", paramLabel = "DIR", description = "the shared folder with models/ and "
            + "tools/qemu-insncount/ (default: tinytrain.shared, else ../shared)")
    Path shared;

    @Option(names = "--c-cache", paramLabel = "DIR", description = "cache of emitted C models (default: "
            + "tinytrain.c.cache, else <tmp>/tinytrain-c-cache)")
    Path cCache;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "limit of one QEMU run (default: ${DEFAULT-VALUE})")
    long timeout;

    @Override
    public Integer call() {
        Path sh = shared != null ? shared : CModels.shared();
        Path cache = CModels.cache(cCache);
        PrintWriter o = spec.commandLine().getOut();
        Path plugin;
        try {
            plugin = CModelRunner.insnCountPlugin(sh.resolve("tools/qemu-insncount/insncount.c"), cache);
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("cannot build the insncount plugin: " + e.getMessage(), e);
        }
        o.printf(Locale.ROOT, "Cortex-M7 instructions under QEMU (exact counts; instructions, not cycles), rounding "
                + "%s%n", rounding);
        o.printf(Locale.ROOT, "%-15s %-16s %16s %16s %11s %20s %20s%n", "model", "scheme", "tt_train_step",
                "tt_infer", "TTE (ms)", "TTE cycles @216MHz", "insns per TTE cycle");
        for (String scheme : schemes) {
            String model = this.model != null ? this.model.getFileName().toString()
                    : scheme.startsWith("mcunet") ? "mcunet-5fps" : scheme.startsWith("mbv2") ? "mbv2-w0.35"
                    : scheme.startsWith("proxyless") ? "proxyless-w0.3" : null;
            if (model == null) {
                throw new IllegalArgumentException("scheme '" + scheme + "' names no known model (pass --model)");
            }
            Path dir = this.model != null ? this.model : sh.resolve("models").resolve(model);
            CompiledModel c = CModels.compile(dir, scheme, rounding, 1e-3f, 10);
            CModel m = c.toC(CModels.weightsSha256(dir));
            CModelRunner.Results res;
            try {
                CModelRunner q = CModelRunner.build(CModelRunner.materialize(m, cache),
                        CModelRunner.Platform.QEMU_M7);
                byte[] image = new byte[Math.toIntExact(c.step().input().type().elementCount())];
                new Random(1).nextBytes(image);
                res = q.run(new CModelRunner.Commands().benchTrain(image, 3).benchTrain(image, 4).benchInfer(image),
                        Duration.ofSeconds(timeout), plugin);
            } catch (CTools.MissingToolException | CTools.CommandException e) {
                throw new IllegalArgumentException("cannot run " + scheme + " under QEMU: " + e.getMessage(), e);
            }
            // the markers add 2 instructions to every region (the plugin's README)
            long train = res.instructions().get(1) - 2;
            long infer = res.instructions().get(2) - 2;
            if (this.model != null) { // no TTE figure for another model
                o.printf(Locale.ROOT, "%-15s %-16s %,16d %,16d %11s %20s %20s%n", model, scheme, train, infer, "-",
                        "-", "-");
                continue;
            }
            double ms = tteMillis(model);
            double cycles = ms * 1e-3 * 216e6;
            o.printf(Locale.ROOT, "%-15s %-16s %,16d %,16d %11.0f %,20.0f %20.2f%n", model, scheme, train, infer, ms,
                    cycles, train / cycles);
        }
        o.printf(Locale.ROOT, "(tt_train_step: the second step of a run; TTE: measured training latency per image, "
                + "TTE-FACTS H. At 1 instruction per cycle a step would take insns / 216e6 s.)%n");
        o.flush();
        return 0;
    }
}
