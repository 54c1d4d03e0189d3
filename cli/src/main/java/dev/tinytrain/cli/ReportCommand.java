package dev.tinytrain.cli;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.BudgetExceededException;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.report.ReportWriters;
import dev.tinytrain.dataset.HeadInit;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.PolicyJson;
import dev.tinytrain.pruning.Presets;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tinytrain report}: compiles a model's training step for a scheme and target and prints its memory report
 * (text or JSON), optionally with an SVG of the arena over time. The report is printed even when the step does not
 * fit the target; the exit code is then 1 and stderr has the compiler's message.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compile a model's training step and print its memory report: arena, LOAD, SRAM and Flash"
                + " with their parts, every arena tensor's lifetime and offset, every parameter's placement.",
            "Exit codes: 0 fits the target, 1 does not fit (the report is still printed) or the input was rejected,"
                + " 2 usage error."})
final class ReportCommand implements Callable<Integer> {
    /** Classes of the transfer head when no --head-init is given (Fashion-MNIST, CIFAR-10 and the like). */
    static final int DEFAULT_CLASSES = 10;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "tinytrain-mcu-model/1 folder (model.json + weights.bin), or a full-integer .tflite file")
    Path model;

    @Option(names = "--scheme", required = true, paramLabel = "NAME",
            description = "sparse-update preset (mcunet-49kb .. proxyless-148kb, head-only, all, ...) or a"
                    + " tinytrain-sparse-update/1 policy file")
    String scheme;

    @Option(names = "--target", defaultValue = "stm32f746", paramLabel = "NAME", converter = TargetConverter.class,
            description = "stm32f746 (320 KB SRAM, 1 MB Flash), tte-256kb (the paper's 256 KB) or host (no budget);"
                    + " default: ${DEFAULT-VALUE}")
    Target target;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "report format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    OutputFormat format;

    @Option(names = "--out", paramLabel = "FILE", description = "write the report to FILE instead of stdout")
    Path out;

    @Option(names = "--svg", paramLabel = "FILE", description = "also write the arena over time as SVG to FILE")
    Path svg;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "X",
            description = "learning rate of weights, biases and head (does not change memory; default: "
                    + "${DEFAULT-VALUE})")
    float lr;

    @Option(names = "--rounding", defaultValue = "stochastic", paramLabel = "MODE", converter = RoundingConverter.class,
            description = "int8 update rounding: nearest_even, stochastic, float_master (float_master keeps float32"
                    + " master copies in SRAM; default: ${DEFAULT-VALUE})")
    String rounding;

    @Option(names = "--head-init", paramLabel = "FILE",
            description = "initial float head: W [K, C] then b [K], float32 little-endian, e.g."
                    + " ../shared/bench/fashion-mnist-protocol/head-init/<model>.bin (a <name>.json beside it is"
                    + " checked). Default: W[k][c] = 0.05*sin(k*C + c), b = 0 (the head's values do not change"
                    + " memory)")
    Path headInit;

    @Option(names = "--classes", defaultValue = "10", paramLabel = "K",
            description = "classes of the default head (default: ${DEFAULT-VALUE}; --head-init sets its own)")
    int classes;

    @Option(names = "--resolution", defaultValue = "128", paramLabel = "PX",
            description = "input height and width (default: ${DEFAULT-VALUE})")
    int resolution;

    /** Output formats of the report itself (the SVG is written with --svg). */
    enum OutputFormat { text, json }

    @Override
    public Integer call() {
        if (classes < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--classes must be >= 1, got "
                    + classes);
        }
        Graph g = transferGraph(model, resolution, headInit, classes);
        CompileOptions options = options(scheme, lr, rounding);
        MemoryReport report;
        String overflow = null;
        try {
            // compile() is compileUnchecked() plus the budget check; its exception carries the full report of the
            // unchecked plan and the compiler's own message, so the report prints whether or not it fits
            report = Compiler.compile(g, target, options).report();
        } catch (BudgetExceededException e) {
            report = e.report();
            overflow = e.getMessage();
        }
        String body = format == OutputFormat.json ? ReportWriters.json(report) : ReportWriters.text(report);
        PrintWriter err = spec.commandLine().getErr();
        if (out != null) {
            AtomicFiles.writeString(out, body);
            err.println("wrote " + out);
        } else {
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.print(body);
            stdout.flush();
        }
        if (svg != null) {
            AtomicFiles.writeString(svg, ReportWriters.svg(report));
            err.println("wrote " + svg);
        }
        if (overflow != null) {
            err.println("tinytrain: error: " + overflow);
            err.flush();
            return 1;
        }
        err.flush();
        return 0;
    }

    /** Compile options for a preset name or a policy file, with QAS, fused in-place updates, default alignment. */
    static CompileOptions options(String scheme, float lr, String rounding) {
        SparseUpdatePolicy policy;
        String name;
        if (Presets.names().contains(scheme)) {
            policy = Presets.get(scheme);
            name = scheme;
        } else if (Files.isRegularFile(Path.of(scheme))) {
            policy = PolicyJson.read(Path.of(scheme));
            name = Path.of(scheme).getFileName().toString();
        } else {
            policy = Presets.get(scheme); // throws, listing the known presets
            name = scheme;
        }
        return new CompileOptions(policy, name, new TrainingOptions(lr, lr, rounding, true, 0), true, true,
                MemoryPlan.DEFAULT_ALIGNMENT);
    }

    /**
     * The model with a float transfer head: from {@code headInit} when given, else the documented deterministic
     * init {@code W[k][c] = 0.05 sin(k C + c)}, {@code b = 0} with {@code classes} rows.
     */
    static Graph transferGraph(Path dir, int resolution, Path headInit, int classes) {
        int c = ModelFiles.featureChannels(dir, resolution);
        float[] w;
        float[] b;
        if (headInit != null) {
            HeadInit h = readHead(headInit, classes, c);
            if (h.inChannels() != c) {
                throw new IllegalArgumentException(headInit + ": the head has " + h.inChannels() + " input channels"
                        + " but the pooled feature of " + dir + " has " + c);
            }
            w = h.weight();
            b = h.bias();
        } else {
            w = new float[classes * c];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) Math.sin(i) * 0.05f;
            }
            b = new float[classes];
        }
        return ModelFiles.load(dir, resolution, HeadSpec.transfer(w, b)).graph();
    }

    private static HeadInit readHead(Path bin, int classes, int channels) {
        try {
            String name = bin.getFileName().toString();
            Path json = bin.resolveSibling((name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name)
                    + ".json");
            return Files.isRegularFile(json) ? HeadInit.read(bin, json) : HeadInit.readRaw(bin, classes, channels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read head init " + bin + ": " + e.getMessage(), e);
        }
    }

    /** Parses a target name; an unknown one is a usage error. */
    static final class TargetConverter implements ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            try {
                return Target.byName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Checks a rounding mode; an unknown one is a usage error. */
    static final class RoundingConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.toLowerCase(Locale.ROOT);
            if (!SgdUpdate.ROUNDING_MODES.contains(v)) {
                throw new TypeConversionException("unknown rounding '" + value + "' (known: "
                        + String.join(", ", SgdUpdate.ROUNDING_MODES) + ")");
            }
            return v;
        }
    }
}
