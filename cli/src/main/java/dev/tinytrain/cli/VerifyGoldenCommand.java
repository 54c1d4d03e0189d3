package dev.tinytrain.cli;

import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CTools;
import dev.tinytrain.cli.golden.CGoldenBackend;
import dev.tinytrain.cli.golden.ForwardGoldenCheck;
import dev.tinytrain.cli.golden.GoldenBackend;
import dev.tinytrain.cli.golden.GoldenFile;
import dev.tinytrain.cli.golden.GoldenSchemes;
import dev.tinytrain.cli.golden.TensorComparison;
import dev.tinytrain.cli.golden.TfliteGoldenCheck;
import dev.tinytrain.cli.golden.TrainGoldenCheck;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.tflite.TfliteImporter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tinytrain verify-golden}: runs a golden's input through tinytrain and compares every stored tensor it
 * can produce; exits 0 only when all match.
 */
@Command(name = "verify-golden", mixinStandardHelpOptions = true,
        description = "Compare tinytrain with a tinytrain-golden/1 reference (forward: bit-exact).")
final class VerifyGoldenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GOLDEN.json", description = "the golden index file")
    Path golden;

    @Option(names = "--model", paramLabel = "DIR|FILE",
            description = "model folder (default: the golden's model_files); the .tflite file of a TFLite golden")
    Path model;

    @Option(names = "--backend", defaultValue = "jvm", converter = BackendConverter.class,
            completionCandidates = BackendNames.class,
            description = "backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}): the JVM reference, the "
                    + "emitted C built with host gcc, or cross-compiled for the Cortex-M7 and run under QEMU")
    Backend backend;

    @Option(names = "--c-cache", paramLabel = "DIR",
            description = "folder for emitted C models and their builds, reused across runs (default: the system "
                    + "property tinytrain.c.cache, else <tmp>/tinytrain-c-cache)")
    Path cCache;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "limit of one C run (QEMU runs under timeout) (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Option(names = "--scheme", paramLabel = "NAME",
            description = "sparse-update scheme for train_step goldens (default: the golden's own: mcunet-99kb,"
                    + " mbv2-golden, proxyless-golden)")
    String scheme;

    @Option(names = "--rounding", defaultValue = "float_master", paramLabel = "MODE",
            description = "int8 update rounding for train_step goldens: nearest_even, stochastic, float_master"
                    + " (default: ${DEFAULT-VALUE}, the authors' simulator)")
    String rounding;

    /** Backends that can run a golden. */
    enum Backend {
        JVM("jvm"), C_HOST("c-host"), C_M7("c-m7");

        final String label;

        Backend(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** Parses a backend label. */
    static final class BackendConverter implements picocli.CommandLine.ITypeConverter<Backend> {
        @Override
        public Backend convert(String value) {
            for (Backend b : Backend.values()) {
                if (b.label.equals(value)) {
                    return b;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("unknown backend '" + value + "' (known: jvm, "
                    + "c-host, c-m7)");
        }
    }

    /** The backend labels, for help and completion. */
    static final class BackendNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Backend.values()).map(b -> b.label).iterator();
        }
    }

    /** The golden backend of {@code backend}. */
    private GoldenBackend goldenBackend() {
        if (backend == Backend.JVM) {
            return GoldenBackend.jvm();
        }
        Path cache = cCache != null ? cCache : Path.of(System.getProperty("tinytrain.c.cache",
                Path.of(System.getProperty("java.io.tmpdir"), "tinytrain-c-cache").toString()));
        return new CGoldenBackend(backend == Backend.C_M7 ? CModelRunner.Platform.QEMU_M7
                : CModelRunner.Platform.HOST, cache, Duration.ofSeconds(timeoutSeconds));
    }

    @Override
    public Integer call() {
        // issue 14 (.tflite import): a TFLite reference-kernel golden needs the .tflite model it was made with
        if (TfliteGoldenCheck.isTfliteGolden(golden)) {
            if (model == null) {
                throw new IllegalArgumentException(golden + " is a TFLite golden; pass --model FILE.tflite");
            }
            return report(golden + " (tflite forward, model " + model.getFileName() + ", backend " + backend + ")",
                    runBackend(b -> TfliteGoldenCheck.run(golden, TfliteImporter.load(model), b)));
        }
        GoldenFile g = GoldenFile.read(golden);
        Path dir = model != null ? model : g.modelFolder().orElseThrow(() -> new IllegalArgumentException(
                golden + " has no model_files field; pass --model DIR"));
        List<TensorComparison> results;
        GoldenBackend b = goldenBackend();
        try {
            switch (g.kind()) {
                case "forward" -> {
                    ImportedModel m = McuModelImporter.load(dir);
                    results = ForwardGoldenCheck.run(g, m, b);
                }
                case "train_step" -> {
                    String name = scheme != null ? scheme : GoldenSchemes.defaultScheme(g.model());
                    results = TrainGoldenCheck.run(g, new TrainGoldenCheck.Setup(dir, rounding,
                            GoldenSchemes.pruner(name, dir)), b);
                }
                default -> throw new IllegalArgumentException(golden + ": unknown golden kind '" + g.kind() + "'");
            }
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("backend " + backend + ": " + e.getMessage(), e);
        }
        return report(String.format("%s (%s, model %s, backend %s)", golden, g.kind(), g.model(), backend), results);
    }

    /** Runs {@code check} on the chosen backend, naming the backend when its tools fail. */
    private List<TensorComparison> runBackend(Function<GoldenBackend, List<TensorComparison>> check) {
        try {
            return check.apply(goldenBackend());
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("backend " + backend + ": " + e.getMessage(), e);
        }
    }

    /** Prints one line per tensor and the totals; 0 only when every produced tensor matched. */
    private int report(String title, List<TensorComparison> results) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(title);
        int passed = 0;
        int failed = 0;
        for (TensorComparison c : results) {
            out.println(c.line());
            if (c.produced()) {
                if (c.passed()) {
                    passed++;
                } else {
                    failed++;
                }
            }
        }
        out.printf("%d passed, %d failed%n", passed, failed);
        out.flush();
        return failed == 0 && passed > 0 ? 0 : 1;
    }
}
