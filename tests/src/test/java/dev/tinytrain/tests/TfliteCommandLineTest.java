package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.cli.CliRun;
import dev.tinytrain.ir.SharedFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line with a {@code .tflite} model: verify-golden, inspect, report. */
class TfliteCommandLineTest {

    private static Path tflite(String name) {
        return SharedFolder.require().resolve("tflite").resolve(name);
    }

    @Test
    void verifyGoldenPrintsOneLinePerTensorAndTheTotals() {
        CliRun r = CliRun.run("verify-golden", tflite("small-cnn-int8/golden_2.json").toString(), "--model",
                tflite("small-cnn-int8.tflite").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("PASS 27 SOFTMAX"), r.out());
        assertTrue(r.out().strip().endsWith("14 passed, 0 failed"), r.out());
    }

    @Test
    void verifyGoldenRefusesAnotherModelAndAMissingOne() {
        CliRun other = CliRun.run("verify-golden", tflite("small-cnn-int8/golden_0.json").toString(), "--model",
                tflite("mbv2-a035-96-int8.tflite").toString());
        assertEquals(1, other.exit());
        assertTrue(other.err().contains("model_sha256"), other.err());
        CliRun missing = CliRun.run("verify-golden", tflite("small-cnn-int8/golden_0.json").toString());
        assertTrue(missing.exit() != 0);
        assertTrue(missing.err().contains("--model FILE.tflite"), missing.err());
    }

    @Test
    void compileWritesTheStepOfATfliteModel(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("compile", "--model", tflite("small-cnn-int8.tflite").toString(), "--scheme",
                "head-only", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("model   small-cnn-int8"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("c").resolve("tt_tflite.c")), "the runtime's TFLite kernels");
        CliRun other = CliRun.run("compile", "--model", tflite("small-cnn-int8.tflite").toString(), "--scheme",
                "mcunet-99kb", "--out", tmp.resolve("other").toString());
        assertEquals(1, other.exit());
        assertTrue(other.err().contains("scheme mcunet-99kb: the policy is written for mcunet-5fps (42 backbone"
                + " convs); graph 'small-cnn-int8' has 5 backbone convs"), other.err());
        CliRun sparse = CliRun.run("compile", "--model", tflite("small-cnn-int8.tflite").toString(), "--scheme",
                "last-2-biases-1-weights-0.5", "--out", tmp.resolve("sparse").toString());
        assertEquals(0, sparse.exit(), sparse.err());
    }

    @Test
    void aPolicyFileAddressesImportedLayersByOperatorIndex(@TempDir Path tmp) throws java.io.IOException {
        Path good = tmp.resolve("ops.json");
        Files.writeString(good, "{\"bias_window\": 3, \"weights\": [{\"op\": 51, \"ratio\": 0.25}]}");
        CliRun report = CliRun.run("report", "--model", tflite("mcunet-5fps-int8.tflite").toString(), "--scheme",
                good.toString(), "--target", "host");
        assertEquals(0, report.exit(), report.err());
        assertTrue(report.out().contains("op51.weight"), report.out());
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"bias_window\": 3, \"weights\": [{\"op\": 27}]}");
        CliRun error = CliRun.run("report", "--model", tflite("mcunet-5fps-int8.tflite").toString(), "--scheme",
                bad.toString());
        assertEquals(1, error.exit());
        assertTrue(error.err().contains("scheme bad.json: weights[0]: operator 27 is not a conv layer of graph"
                + " 'mcunet-5fps-int8'"), error.err());
    }

    @Test
    void inspectAndReportTakeATfliteFile() {
        CliRun inspect = CliRun.run("inspect", "--model", tflite("small-cnn-int8.tflite").toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("MACs 2,543,936"), inspect.out());
        assertTrue(inspect.out().contains("tfl.softmax"), inspect.out());
        CliRun report = CliRun.run("report", "--model", tflite("mcunet-5fps-int8.tflite").toString(), "--scheme",
                "head-only");
        assertEquals(0, report.exit(), report.err());
        assertTrue(report.out().contains("model mcunet-5fps-int8, scheme head-only"), report.out());
    }
}
