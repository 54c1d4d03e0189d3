package dev.tinytrain.cli;

import dev.tinytrain.cli.golden.ForwardGoldenCheck;
import dev.tinytrain.cli.golden.GoldenFile;
import dev.tinytrain.cli.golden.GoldenSchemes;
import dev.tinytrain.cli.golden.TensorComparison;
import dev.tinytrain.cli.golden.TrainGoldenCheck;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import java.io.PrintWriter;
import java.nio.file.Path;
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

    @Option(names = "--model", paramLabel = "DIR", description = "model folder (default: the golden's model_files)")
    Path model;

    @Option(names = "--backend", defaultValue = "jvm", description = "backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Backend backend;

    @Option(names = "--scheme", paramLabel = "NAME",
            description = "sparse-update scheme for train_step goldens (default: the golden's own: mcunet-99kb,"
                    + " mbv2-golden, proxyless-golden)")
    String scheme;

    @Option(names = "--rounding", defaultValue = "float_master", paramLabel = "MODE",
            description = "int8 update rounding for train_step goldens: nearest_even, stochastic, float_master"
                    + " (default: ${DEFAULT-VALUE}, the authors' simulator)")
    String rounding;

    /** Backends that can run a golden. */
    enum Backend { jvm }

    @Override
    public Integer call() {
        GoldenFile g = GoldenFile.read(golden);
        Path dir = model != null ? model : g.modelFolder().orElseThrow(() -> new IllegalArgumentException(
                golden + " has no model_files field; pass --model DIR"));
        PrintWriter out = spec.commandLine().getOut();
        List<TensorComparison> results;
        switch (g.kind()) {
            case "forward" -> {
                ImportedModel m = McuModelImporter.load(dir);
                results = ForwardGoldenCheck.run(g, m);
            }
            case "train_step" -> {
                String name = scheme != null ? scheme : GoldenSchemes.defaultScheme(g.model());
                results = TrainGoldenCheck.run(g, new TrainGoldenCheck.Setup(dir, rounding,
                        GoldenSchemes.pruner(name, dir)));
            }
            default -> throw new IllegalArgumentException(golden + ": unknown golden kind '" + g.kind() + "'");
        }
        out.printf("%s (%s, model %s, backend %s)%n", golden, g.kind(), g.model(), backend);
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
