package dev.tinytrain.cli;

import dev.tinytrain.compiler.BudgetExceededException;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.report.ReportWriters;
import dev.tinytrain.fileio.OutputFiles;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|DIR|FILE",
            description = ModelInputs.MODEL_HELP)
    String model;

    @Option(names = "--scheme", required = true, paramLabel = "NAME",
            description = ModelInputs.SCHEME_HELP)
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
                    + " checked). Default: the seeded default head of --classes classes (the head's values do not"
                    + " change memory)")
    Path headInit;

    @Option(names = "--classes", defaultValue = "10", paramLabel = "K",
            description = "classes of the default head (default: ${DEFAULT-VALUE}; --head-init sets its own)")
    int classes;

    @Option(names = "--no-stream-prefix", description = "run the frozen prefix on whole tensors (by default it runs "
            + "in row bands through line buffers on a target with a budget, where that lowers the arena)")
    boolean noStreamPrefix;

    @Option(names = "--resolution", defaultValue = "128", paramLabel = "PX",
            description = "input height and width (default: ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--no-stream-backward",
            description = "compute each inverted-residual block's backward whole tensor by whole tensor instead of"
                    + " channel by channel of its expanded tensor (the same results in more memory)")
    boolean noStreamBackward;

    @Option(names = "--recompute-budget", defaultValue = "0", paramLabel = "FRACTION",
            description = "fraction of the step's MACs the streamed prefix may recompute to lower the arena: 1x1 expansions are"
                    + " then fused into their depthwise convs (default: 0, nothing recomputed)")
    double recomputeBudget;

    /** Output formats of the report itself (the SVG is written with --svg). */
    enum OutputFormat { text, json }

    @Override
    public Integer call() {
        if (classes < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--classes must be >= 1, got "
                    + classes);
        }
        List<Path> inputs = ModelInputs.inputs(model, scheme, headInit);
        OutputFiles.checkWritable(inputs, out, svg); // before compiling, not after it
        Graph g = ModelInputs.load(model, resolution, headInit, classes).graph();
        CompileOptions options = ModelInputs.options(scheme, lr, rounding).withStreamPrefix(!noStreamPrefix)
                .withStreamBackward(!noStreamBackward).withRecomputeBudget(recomputeBudget);
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
            OutputFiles.writeString(out, body, inputs);
            err.println("wrote " + out);
        } else {
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.print(body);
            stdout.flush();
        }
        if (svg != null) {
            OutputFiles.writeString(svg, ReportWriters.svg(report), inputs);
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
