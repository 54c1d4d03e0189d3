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
        CliRun sparse = CliRun.run("compile", "--model", tflite("small-cnn-int8.tflite").toString(), "--scheme",
                "mcunet-99kb", "--out", tmp.resolve("sparse").toString());
        assertEquals(1, sparse.exit(), "imported layers are frozen: a sparse scheme naming convs is refused");
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
