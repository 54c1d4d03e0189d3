package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.cli.CliRun;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.json.IrJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: results on stdout with a final count, errors on stderr naming the field or op, exit codes. */
class CommandLineTest {

    @Test
    void verifyGoldenPrintsOneLinePerTensorAndTheCount() {
        Path golden = SharedFolder.require().resolve("golden/mbv2-w0.35/forward_3.json");
        CliRun r = CliRun.run("verify-golden", golden.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("PASS blocks[16]"), r.out());
        assertTrue(r.out().strip().endsWith("22 passed, 0 failed"), r.out());
    }

    @Test
    void verifyGoldenFailsWhenTheModelDiffers() {
        // the mbv2 golden run against the proxyless model: shapes differ, so tensors fail and the exit code is 1
        Path shared = SharedFolder.require();
        CliRun r = CliRun.run("verify-golden", shared.resolve("golden/mbv2-w0.35/forward_0.json").toString(), "--model",
                shared.resolve("models/proxyless-w0.3").toString());
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("FAIL"), r.out());
    }

    @Test
    void inspectSummarisesAModel() {
        CliRun r = CliRun.run("inspect", "--model", SharedFolder.require().resolve("models/mcunet-5fps").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("MACs 22,613,504"), r.out());
        assertTrue(r.out().contains("largest activation 131,072 bytes (blocks[1].pointwise1)"), r.out());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, CliRun.run("inspect").exit());
        assertEquals(2, CliRun.run("no-such-command").exit());
    }

    @Test
    void truncatedWeightsExitWithOneAndNameTheField(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        byte[] w = Files.readAllBytes(dir.resolve("weights.bin"));
        Files.write(dir.resolve("weights.bin"), java.util.Arrays.copyOf(w, w.length / 2));
        assertModelRejected(dir, "weights.nbytes");
    }

    @Test
    void wrongShaExitsWithOne(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        byte[] w = Files.readAllBytes(dir.resolve("weights.bin"));
        w[w.length - 1] ^= 0x40;
        Files.write(dir.resolve("weights.bin"), w);
        assertModelRejected(dir, "weights.sha256");
    }

    @Test
    void arrayReferenceOutsideTheFileExitsWithOne(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        editJson(dir, s -> s.replace("\"offset\": 560,", "\"offset\": 4000000,"));
        assertModelRejected(dir, "blocks[0].depthwise.params.weight.offset");
    }

    @Test
    void missingKeyExitsWithOne(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        editJson(dir, s -> s.replaceFirst("\"groups\": 1,", ""));
        assertModelRejected(dir, "first_conv.groups");
    }

    @Test
    void shapeMismatchExitsWithOne(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        editJson(dir, s -> s.replaceFirst("\"shape\": \\[16, 3, 3, 3\\]", "\"shape\": [16, 3, 3, 2]"));
        assertModelRejected(dir, "first_conv.params.weight.shape");
    }

    @Test
    void dtypeMismatchExitsWithOne(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        editJson(dir, s -> s.replaceFirst("\"dtype\": \"float32\"", "\"dtype\": \"int32\""));
        assertModelRejected(dir, "first_conv.params.w_scales.dtype");
    }

    @Test
    void badScaleOrZeroPointExitsWithOne(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp.resolve("a"));
        editJson(dir, s -> s.replaceFirst("\"x_scale\": 0.00784313725490196", "\"x_scale\": 0.0"));
        assertModelRejected(dir, "first_conv.params.x_scale");
        Path dir2 = copyModel(tmp.resolve("b"));
        editJson(dir2, s -> s.replaceFirst("\"x_scale\": 0.00784313725490196", "\"x_scale\": NaN"));
        assertModelRejected(dir2, "first_conv.params.x_scale");
        Path dir3 = copyModel(tmp.resolve("c"));
        editJson(dir3, s -> s.replaceFirst("\"x_zero\": 0", "\"x_zero\": 200"));
        assertModelRejected(dir3, "first_conv.params.x_zero");
    }

    @Test
    void unknownOpInIrJsonExitsWithOneAndNamesIt(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("g.json");
        Files.writeString(f, IrJson.write(TinyGraphs.block()).replace("\"op\" : \"add_q\"", "\"op\" : \"add_fancy\""));
        CliRun r = CliRun.run("inspect", "--graph", f.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("unknown op 'add_fancy'") && r.err().contains("'add'"), r.err());
    }

    @Test
    void cycleInIrJsonExitsWithOne(@TempDir Path tmp) throws IOException {
        String json = IrJson.write(TinyGraphs.block());
        int c1 = json.indexOf("\"name\" : \"c1\"");
        int in = json.indexOf("\"input\"", c1);
        Path f = tmp.resolve("g.json");
        Files.writeString(f, json.substring(0, in) + "\"pool\"" + json.substring(in + "\"input\"".length()));
        CliRun r = CliRun.run("inspect", "--graph", f.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("cycle"), r.err());
    }

    @Test
    void irJsonWrittenByInspectReadsBack(@TempDir Path tmp) {
        Path f = tmp.resolve("m.json");
        assertEquals(0, CliRun.run("inspect", "--model", SharedFolder.require().resolve("models/mbv2-w0.35").toString(),
                "--json", f.toString()).exit());
        CliRun r = CliRun.run("inspect", "--graph", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("MACs 16,758,912"), r.out());
    }

    private static void assertModelRejected(Path dir, String field) {
        CliRun r = CliRun.run("inspect", "--model", dir.toString());
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().contains(field), "stderr should name " + field + ": " + r.err());
    }

    private static Path copyModel(Path tmp) throws IOException {
        Path src = SharedFolder.require().resolve("models/mbv2-w0.35");
        Path dir = tmp.resolve("mbv2-w0.35");
        Files.createDirectories(dir);
        Files.copy(src.resolve("model.json"), dir.resolve("model.json"));
        Files.copy(src.resolve("weights.bin"), dir.resolve("weights.bin"));
        return dir;
    }

    private static void editJson(Path dir, UnaryOperator<String> edit) throws IOException {
        String s = Files.readString(dir.resolve("model.json"));
        String t = edit.apply(s);
        assertTrue(!t.equals(s), "fixture edit did not apply");
        Files.writeString(dir.resolve("model.json"), t);
    }
}
