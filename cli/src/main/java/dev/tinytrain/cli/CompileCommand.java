package dev.tinytrain.cli;

import dev.tinytrain.compiler.output.CompileInputException;
import dev.tinytrain.compiler.output.CompileOutput;
import dev.tinytrain.compiler.output.CompileRequest;
import dev.tinytrain.compiler.output.CompileResult;
import dev.tinytrain.compiler.output.CompileRun;
import dev.tinytrain.compiler.output.ModelSource;
import dev.tinytrain.compiler.output.InputStamp;
import dev.tinytrain.compiler.output.ReportFiles;
import dev.tinytrain.finetune.HeadInitFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tinytrain compile}: compiles a model's training step for a target and writes the output folder (the
 * memory report as text and JSON, and the input stamp; the C folder and the SVG picture once their writers are
 * merged), the same folder as the {@code tinytrain:compile} Maven goal. Exit codes: 0 compiled, 1 the model,
 * scheme or options were rejected or the step does not fit the target (message on stderr), 2 usage.
 */
@Command(name = "compile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compile the training step of a model for a microcontroller and write its memory report.",
            "",
            "The output folder is written whole or not at all; an existing folder is replaced only when tinytrain"
                + " wrote it."},
        footer = {"",
            "Examples:",
            "  tinytrain compile --model mcunet-5fps --scheme mcunet-99kb --out out/mcunet",
            "  tinytrain compile --model synthetic:proxyless-w0.3 \\",
            "      --scheme my-policy.json --target tte-256kb --out out/proxyless",
            "",
            "Exit codes: 0 compiled; 1 bad model, bad scheme or the step does not fit the target (message on"
                + " stderr); 2 usage error."})
final class CompileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    /** What is compiled. */
    static final class Input {
        @Option(names = "--model", required = true, paramLabel = "NAME|DIR|FILE", description = ModelInputs.MODEL_HELP)
        String model;

        @Option(names = "--graph", required = true, paramLabel = "FILE.json",
                description = "a tinytrain IR JSON forward graph ending in a float transfer head, e.g. written by"
                    + " `inspect --model M --transfer-head K --json FILE.json` and edited")
        Path graph;
    }

    @Option(names = "--scheme", required = true, paramLabel = "NAME|FILE.json",
            description = ModelInputs.SCHEME_HELP)
    String scheme;

    @Option(names = "--target", defaultValue = CompileRequest.DEFAULT_TARGET, paramLabel = "NAME",
            description = "stm32f746 (320 KB SRAM, 1 MB Flash), tte-256kb (the paper's 256 KB) or host (no budget);"
                + " default: ${DEFAULT-VALUE}")
    String target;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder")
    Path outDir;

    @Option(names = "--rounding", defaultValue = CompileRequest.DEFAULT_ROUNDING, paramLabel = "MODE",
            description = "int8/int32 update rounding: stochastic, nearest_even, float_master; default:"
                + " ${DEFAULT-VALUE}")
    String rounding;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "X",
            description = "learning rate of weights and of the head; default: ${DEFAULT-VALUE}")
    float lr;

    @Option(names = "--bias-lr", paramLabel = "Y", description = "learning rate of conv biases; default: --lr")
    Float biasLr;

    @Option(names = "--resolution", defaultValue = "128", paramLabel = "R",
            description = "input height and width; default: ${DEFAULT-VALUE}")
    int resolution;

    @Option(names = "--no-stream-backward",
            description = "compute each inverted-residual block's backward whole tensor by whole tensor instead of"
                    + " channel by channel of its expanded tensor (the same results in more memory)")
    boolean noStreamBackward;

    @Option(names = "--no-stream-prefix",
            description = "run the frozen high-resolution prefix on whole tensors instead of in row bands (the same"
                    + " results in more memory)")
    boolean noStreamPrefix;

    @Option(names = "--head-init", paramLabel = "FILE",
            description = "initial head W [K, C] then b [K], float32 little-endian (the protocol's head-init/<model>"
                + ".bin, with its .json beside it if present); default: a seeded 10-class head")
    Path headInit;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path cwd = ModelInputs.cwd();
        String model = input.model;
        if (input.graph != null) {
            ModelSource graph = ModelInputs.source(input.graph.toString());
            if (graph.kind() != ModelSource.Kind.IR_JSON) {
                throw new CompileInputException("--graph " + input.graph + " is a " + graph.kind() + ", not a"
                        + " tinytrain IR JSON file (use --model for model folders and names)");
            }
            if (headInit != null) {
                throw new CompileInputException("--head-init does not apply to --graph: the IR JSON graph carries its"
                        + " own head");
            }
            model = input.graph.toString();
        }
        CompileRequest request = new CompileRequest(model, scheme, target, rounding, lr, biasLr, resolution,
                headInit == null ? null : new HeadInitFile(cwd.resolve(headInit)), cwd, !noStreamBackward,
                !noStreamPrefix);
        CompileOutput.checkWritable(request, outDir); // a refusal before the work
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "tinytrain: compiling %s (scheme %s, target %s)...%n", model, scheme, target);
        err.flush();
        String stamp = InputStamp.compute(request, "tinytrain " + Version.VERSION);
        CompileResult result = CompileRun.compile(request);
        List<String> written = CompileOutput.write(result, outDir, stamp);
        for (String line : ReportFiles.summary(result)) {
            out.println(line);
        }
        out.printf(Locale.ROOT, "wrote %s: %s%n", outDir, String.join(", ", written));
        out.flush();
        return 0;
    }
}
