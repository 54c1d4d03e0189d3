package dev.tinytrain.cli;

import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CTools;
import dev.tinytrain.compiler.output.ModelSource;
import dev.tinytrain.compiler.output.SchemeSource;
import dev.tinytrain.golden.CGoldenBackend;
import dev.tinytrain.golden.ForwardGoldenCheck;
import dev.tinytrain.golden.GoldenBackend;
import dev.tinytrain.golden.GoldenFile;
import dev.tinytrain.golden.GoldenSchemes;
import dev.tinytrain.golden.TensorComparison;
import dev.tinytrain.golden.TfliteGoldenCheck;
import dev.tinytrain.golden.TrainGoldenCheck;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.tflite.TfliteImporter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
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

    @Option(names = "--model", paramLabel = "NAME|DIR|FILE", description = "a shipped model or a model folder (default:"
            + " the golden's model_files when that folder exists, else the shipped model the golden names); for a"
            + " TFLite reference-kernel golden, the .tflite file it was made with")
    String model;

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
        Path cache = CModels.cache(cCache);
        return new CGoldenBackend(backend == Backend.C_M7 ? CModelRunner.Platform.QEMU_M7
                : CModelRunner.Platform.HOST, cache, Duration.ofSeconds(timeoutSeconds));
    }

    /** The folder of the model the golden is checked against: --model, else the golden's own, else the shipped one. */
    private Path modelFolder(GoldenFile g) {
        ModelSource source = model != null ? ModelInputs.source(model)
                : g.modelFolder().filter(Files::isDirectory).map(d -> ModelInputs.source(d.toString()))
                        .orElseGet(() -> ModelInputs.source(g.model()));
        if (source.kind() != ModelSource.Kind.FOLDER && source.kind() != ModelSource.Kind.SHIPPED) {
            throw new IllegalArgumentException("a golden is checked against a model folder or a shipped model, not "
                    + source.kind() + " " + source.spec());
        }
        return source.path();
    }

    @Override
    public Integer call() {
        if (TfliteGoldenCheck.isTfliteGolden(golden)) {
            return tfliteGolden();
        }
        GoldenFile g = GoldenFile.read(golden);
        Path dir = modelFolder(g);
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
                    SchemeSource schemeSource = SchemeSource.resolve(name, ModelInputs.cwd());
                    results = TrainGoldenCheck.run(g, new TrainGoldenCheck.Setup(dir, rounding,
                            schemeSource.policy(), schemeSource.name()), b);
                }
                default -> throw new IllegalArgumentException(golden + ": unknown golden kind '" + g.kind() + "'");
            }
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("backend " + backend + ": " + e.getMessage(), e);
        }
        return report(String.format("%s (%s, model %s, backend %s)", golden, g.kind(), g.model(), backend), results);
    }

    /** A TFLite reference-kernel golden ({@code ../shared/tflite}): the forward of the .tflite file it was made with. */
    private int tfliteGolden() {
        ModelSource source = model == null ? null : ModelInputs.source(model);
        if (source == null || source.kind() != ModelSource.Kind.TFLITE) {
            throw new IllegalArgumentException(golden + " is a TFLite golden (" + TfliteGoldenCheck.FORMAT + "); pass"
                    + " --model FILE.tflite, the model it was made with");
        }
        List<TensorComparison> results;
        try {
            results = TfliteGoldenCheck.run(golden, TfliteImporter.load(source.path()), goldenBackend());
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("backend " + backend + ": " + e.getMessage(), e);
        }
        return report(String.format("%s (tflite forward, model %s, backend %s)", golden, source.path().getFileName(),
                backend), results);
    }

    /** Prints the title, one line per tensor and the totals; 0 only when every produced tensor matched. */
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
