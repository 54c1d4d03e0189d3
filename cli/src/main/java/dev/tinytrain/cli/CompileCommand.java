package dev.tinytrain.cli;

import dev.tinytrain.compiler.output.CompileInputException;
import dev.tinytrain.compiler.output.CompileOutput;
import dev.tinytrain.compiler.output.CompileRequest;
import dev.tinytrain.compiler.output.CompileResult;
import dev.tinytrain.compiler.output.CompileRun;
import dev.tinytrain.compiler.output.HeadInitSource;
import dev.tinytrain.compiler.output.InputStamp;
import dev.tinytrain.compiler.output.ReportFiles;
import dev.tinytrain.dataset.HeadInit;
import dev.tinytrain.ir.importer.HeadSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
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
            "  tinytrain compile --model ../shared/models/proxyless-w0.3 \\",
            "      --scheme my-policy.json --target tte-256kb --out out/proxyless",
            "",
            "Exit codes: 0 compiled; 1 bad model, bad scheme or the step does not fit the target (message on"
                + " stderr); 2 usage error."})
final class CompileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|FILE|NAME",
            description = {"a tinytrain-mcu-model/1 folder (model.json + weights.bin), a full-integer .tflite file,"
                + " a tinytrain IR JSON file, or a"
                + " built-in model with SYNTHETIC weights: mcunet-5fps, mbv2-w0.35, proxyless-w0.3 (prefix zoo: to"
                + " prefer it over a folder of that name)"})
    String model;

    @Option(names = "--scheme", required = true, paramLabel = "NAME|FILE.json",
            description = "sparse-update scheme: a preset (e.g. mcunet-99kb, mbv2-99kb, proxyless-98kb, head-only,"
                + " all) or a tinytrain-sparse-update/1 policy file")
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

    @Option(names = "--head-init", paramLabel = "FILE",
            description = "initial head W [K, C] then b [K], float32 little-endian (the protocol's head-init/<model>"
                + ".bin, with its .json beside it if present); default: a seeded 10-class head")
    Path headInit;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path cwd = Path.of("").toAbsolutePath();
        CompileRequest request = new CompileRequest(model, scheme, target, rounding, lr, biasLr, resolution,
                headInit == null ? null : new HeadInitFile(cwd.resolve(headInit)), cwd);
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

    /** A head-init file of the accuracy protocol, read with the dataset module's {@link HeadInit}. */
    private static final class HeadInitFile implements HeadInitSource {
        private final Path bin;

        HeadInitFile(Path bin) {
            this.bin = bin;
        }

        private Path json() {
            String name = bin.getFileName().toString();
            String stem = name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name;
            return bin.resolveSibling(stem + ".json");
        }

        @Override
        public List<Path> files() {
            return Files.exists(json()) ? List.of(bin, json()) : List.of(bin);
        }

        @Override
        public HeadSpec read(int channels) {
            HeadInit h;
            try {
                if (Files.exists(json())) {
                    h = HeadInit.read(bin, json());
                } else {
                    long floats = Files.size(bin) / 4;
                    if (Files.size(bin) % 4 != 0 || floats % (channels + 1) != 0) {
                        throw new CompileInputException("head-init " + bin + ": " + Files.size(bin) + " bytes is not"
                                + " W [K, " + channels + "] + b [K] in float32 for any K (the model's feature has "
                                + channels + " channels)");
                    }
                    h = HeadInit.readRaw(bin, (int) (floats / (channels + 1)), channels);
                }
            } catch (IOException e) {
                throw new CompileInputException("head-init " + bin + ": " + e.getMessage(), e);
            }
            if (h.inChannels() != channels) {
                throw new CompileInputException("head-init " + bin + " is Linear(" + h.inChannels() + ", "
                        + h.numClasses() + "), but the model's feature has " + channels + " channels");
            }
            return HeadSpec.transfer(h.weight(), h.bias());
        }

        @Override
        public String describe() {
            return "initialised from " + bin;
        }
    }
}
