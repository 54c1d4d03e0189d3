package dev.tinytrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.pruning.PolicyJson;
import dev.tinytrain.pruning.Presets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tinytrain report}: text and JSON on stdout or to files, the SVG, over-budget reports, exit codes. */
class ReportCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A shipped model: by name, from the class path, whatever the working folder. */
    static String model(String name) {
        return name;
    }

    @Test
    void printsTheTextReportWithTheBandRegionAndExitsZero() {
        CliRun r = CliRun.run("report", "--model", model("mcunet-5fps"), "--scheme", "mcunet-99kb");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\narena                 65,604   64.1"), r.out());
        assertTrue(r.out().contains("\nforward peak          65,604   64.1"), r.out());
        assertTrue(r.out().contains("\nSRAM total           147,788"), r.out());
        assertTrue(r.out().contains("\nBand region at step 1: 11 frozen layers first_conv .. blocks[3].pointwise1"),
                r.out());
        assertEquals("", r.err());
    }

    @Test
    void printsTheWholeTensorReportWithoutStreamingAndExitsZero() {
        CliRun r = CliRun.run("report", "--model", model("mcunet-5fps"), "--scheme", "mcunet-99kb",
                "--no-stream-prefix");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("tinytrain memory report: model mcunet-5fps, scheme mcunet-99kb, target "
                + "stm32f746\nstatus: FITS stm32f746\n"), r.out());
        assertTrue(r.out().contains("\narena                163,844  160.0"), r.out());
        assertTrue(r.out().contains("\nSRAM total           246,028"), r.out());
        // 104 buffers whole tensor by whole tensor (111 before seven depthwise convs went in place, each output a few
        // rows before its input); the seven streamed blocks trade 64 gradients and workspaces for 21 scratch buffers
        assertTrue(r.out().contains("Tensors: 105 arena buffers"), r.out());
        assertTrue(r.out().contains("\nbackward peak         58,156"), r.out());
        assertTrue(r.out().contains("  first_conv @+1,040, blocks[0].depthwise\n"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void noStreamBackwardReportsTheWholeTensorBackward() {
        CliRun r = CliRun.run("report", "--model", model("mcunet-5fps"), "--scheme", "mcunet-99kb",
                "--no-stream-backward", "--no-stream-prefix");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Tensors: 104 arena buffers"), r.out()); // the whole-tensor step
        assertTrue(r.out().contains("\nbackward peak        127,532"), r.out());
        assertTrue(!r.out().contains("stream-scratch") && !r.out().contains("streamed:"), r.out());
    }

    @Test
    void writesJsonAndSvgAtomically(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("out/report.json");
        Path svg = tmp.resolve("out/arena.svg");
        CliRun r = CliRun.run("report", "--model", model("mcunet-5fps"), "--scheme", "mcunet-99kb", "--format", "json",
                "--out", json.toString(), "--svg", svg.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out(), "the report went to the file");
        JsonNode j = JSON.readTree(json.toFile());
        assertEquals(65_604, j.get("arenaBytes").asLong());
        assertEquals("tinytrain-memory-report/1", j.get("format").asText());
        int rects = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile())
                .getElementsByTagName("rect").getLength();
        assertEquals(j.get("tensors").size(), rects);
        try (Stream<Path> files = Files.list(tmp.resolve("out"))) {
            assertEquals(List.of("arena.svg", "report.json"), files.map(p -> p.getFileName().toString()).sorted()
                    .toList(), "no temporary files left");
        }
    }

    @Test
    void jsonOnStdoutIsPureJson() throws Exception {
        CliRun r = CliRun.run("report", "--model", model("proxyless-w0.3"), "--scheme", "proxyless-98kb", "--format",
                "json", "--target", "tte-256kb");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(67_164, j.get("arenaBytes").asLong());
        assertEquals(256 * 1024, j.get("sramBudgetBytes").asLong());
    }

    @Test
    void overBudgetStillPrintsTheReportAndExitsOne() {
        CliRun r = CliRun.run("report", "--model", model("mcunet-5fps"), "--scheme", "all", "--target", "stm32f746");
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("status: *** OVER BUDGET for stm32f746: SRAM needs 1,467,844 B, budget 327,680 B"),
                r.out());
        assertTrue(r.out().contains("Tensors: ") && r.out().contains("Parameters: "), "the whole report");
        assertTrue(r.err().startsWith("tinytrain: error: SRAM budget of stm32f746 is 327,680 B but the step needs"
                + " 1,467,844 B"), r.err());
        assertTrue(r.err().contains("largest arena tensors"), r.err());
        CliRun host = CliRun.run("report", "--model", model("mcunet-5fps"), "--scheme", "all", "--target", "host");
        assertEquals(0, host.exit(), host.err());
        assertTrue(host.out().contains("status: no budget (target host)"), host.out());
    }

    @Test
    void theProtocolHeadAndAPolicyFileGiveTheSameMemory(@TempDir Path tmp) throws Exception {
        Path head = SharedFolder.require().resolve("bench/fashion-mnist-protocol/head-init/mcunet-5fps.bin");
        Path policy = tmp.resolve("mcunet-99kb.json");
        Files.writeString(policy, PolicyJson.toJson(Presets.get("mcunet-99kb")));
        JsonNode preset = json("report", "--model", model("mcunet-5fps"), "--scheme", "mcunet-99kb", "--format",
                "json");
        JsonNode withHead = json("report", "--model", model("mcunet-5fps"), "--scheme", "mcunet-99kb", "--format",
                "json", "--head-init", head.toString());
        JsonNode fromFile = json("report", "--model", model("mcunet-5fps"), "--scheme", policy.toString(), "--format",
                "json");
        for (JsonNode other : List.of(withHead, fromFile)) {
            assertEquals(preset.get("sramParts"), other.get("sramParts"));
            assertEquals(preset.get("flashParts"), other.get("flashParts"));
            assertEquals(preset.get("tensors"), other.get("tensors"));
        }
        assertEquals("mcunet-99kb.json", fromFile.get("scheme").asText());
    }

    @Test
    void floatMasterRoundingAddsMasterCopies() throws Exception {
        JsonNode j = json("report", "--model", model("mcunet-5fps"), "--scheme", "mcunet-99kb", "--format", "json",
                "--rounding", "float_master", "--target", "host"); // the masters do not fit the STM32F746
        // every trained int8 weight and int32 bias gets a float32 master: 4 B per element
        assertEquals(4 * j.at("/sramParts/trainableWeights").asLong() + j.at("/sramParts/biases").asLong(),
                j.at("/sramParts/masterCopies").asLong());
    }

    @Test
    void usageErrorsExitTwo() {
        String m = model("mcunet-5fps");
        assertEquals(2, CliRun.run("report", "--model", m).exit(), "no --scheme");
        assertEquals(2, CliRun.run("report", "--scheme", "all").exit(), "no --model");
        assertEquals(2, CliRun.run("report", "--model", m, "--scheme", "all", "--target", "esp32").exit());
        assertEquals(2, CliRun.run("report", "--model", m, "--scheme", "all", "--rounding", "up").exit());
        assertEquals(2, CliRun.run("report", "--model", m, "--scheme", "all", "--format", "xml").exit());
        assertEquals(2, CliRun.run("report", "--model", m, "--scheme", "all", "--classes", "0").exit());
        assertEquals(2, CliRun.run("report", "--model", m, "--scheme", "all", "--lr", "fast").exit());
    }

    @Test
    void rejectedInputExitsOneWithAMessage(@TempDir Path tmp) throws IOException {
        String m = model("mcunet-5fps");
        CliRun unknown = CliRun.run("report", "--model", m, "--scheme", "mcunet-1kb");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("unknown sparse-update preset 'mcunet-1kb'"), unknown.err());
        CliRun other = CliRun.run("report", "--model", m, "--scheme", "mbv2-99kb");
        assertEquals(1, other.exit());
        assertTrue(other.err().contains("mbv2-w0.35"), other.err());
        CliRun missing = CliRun.run("report", "--model", tmp.resolve("none").toString(), "--scheme", "all");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("not found") && missing.err().contains("not a shipped model"), missing.err());
        Path head = SharedFolder.require().resolve("bench/fashion-mnist-protocol/head-init/mbv2-w0.35.bin");
        CliRun wrongHead = CliRun.run("report", "--model", m, "--scheme", "all", "--head-init", head.toString());
        assertEquals(1, wrongHead.exit());
        assertTrue(wrongHead.err().contains("Linear(112, 10)") && wrongHead.err().contains("160 channels"),
                wrongHead.err());
        assertEquals("", unknown.out() + other.out() + missing.out() + wrongHead.out());
    }

    private static JsonNode json(String... args) throws IOException {
        CliRun r = CliRun.run(args);
        assertEquals(0, r.exit(), r.err());
        return JSON.readTree(r.out());
    }
}
