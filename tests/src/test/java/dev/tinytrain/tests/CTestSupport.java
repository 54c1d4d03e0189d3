package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CTools;
import dev.tinytrain.compiler.output.ModelSource;
import dev.tinytrain.ir.Graph;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared by the C backend tests: the build cache, the tool check (skip when a tool is missing, FAIL when the
 * environment variable {@code CI} is set), and the models with a deterministic transfer head.
 */
final class CTestSupport {
    private CTestSupport() {
    }

    /** Emitted models and their builds, one folder per content (reused across tests and runs). */
    static final Path CACHE = Path.of("target", "c-cache").toAbsolutePath();

    /** Skips the test when a tool is missing, or fails it when {@code CI} is set. */
    static void requireTools(String purpose, List<String> tools) {
        List<String> missing = CTools.missing(tools);
        if (missing.isEmpty()) {
            return;
        }
        String msg = purpose + " needs " + missing + " on the PATH (Debian 12: " + CTools.APT_HINT + ")";
        if (System.getenv("CI") != null) {
            fail(msg + " [failing, not skipping, because the environment variable CI is set]");
        }
        Assumptions.abort(msg + " [skipped; set CI to turn this into a failure]");
    }

    static void requireTools(CModelRunner.Platform p) {
        requireTools(p + " runs of the emitted C", CModelRunner.tools(p));
    }

    /** Builds the driver of an emitted folder, after the tool check. */
    static CModelRunner build(Path folder, CModelRunner.Platform p) {
        requireTools(p);
        return CModelRunner.build(folder, p);
    }

    /** A shipped pretrained model with the default 10-class transfer head. */
    static Graph model(String name) {
        return ModelSource.resolve(name, Path.of("")).load(128, null).graph();
    }

    /** The preset the TTE comparison uses for each model. */
    static String model(String preset, boolean folder) {
        return preset.startsWith("mcunet") ? "mcunet-5fps" : preset.startsWith("mbv2") ? "mbv2-w0.35" : "proxyless-w0.3";
    }
}
