package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.cli.CliRun;
import dev.tinytrain.ir.SharedFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tinytrain compile}: the output folder, the summary, and exit codes 0 / 1 (message on stderr) / 2. */
class CompileCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void compilesASyntheticModelOnRequestAndPrintsTheSummary() throws IOException {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("compile", "--model", "synthetic:mcunet-5fps", "--scheme", "mcunet-99kb", "--target",
                "stm32f746",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("model   mcunet-5fps-synthetic  (SYNTHETIC weights"), r.out());
        assertTrue(r.out().matches("(?s).*SRAM    [0-9,]+ B of 327,680 B.*"), r.out());
        assertTrue(r.out().contains("report.txt, report.json, arena.svg, c/, tinytrain.stamp"), r.out());
        assertEquals(List.of("arena.svg", "c", "report.json", "report.txt", "tinytrain.manifest", "tinytrain.stamp"),
                names(out));
        assertTrue(Files.readString(out.resolve("report.txt")).contains("SYNTHETIC"));
    }

    @Test
    void aBudgetOverflowExitsOneWithTheCompilersMessageAndWritesNothing() throws IOException {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("compile", "--model", "mcunet-5fps", "--scheme", "all", "--out", out.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("tinytrain: error: SRAM budget of stm32f746 is 327,680 B but the step needs"),
                r.err());
        assertEquals(List.of(), names(tmp), "nothing written, no temporary folder left");
    }

    @Test
    void badModelsAndSchemesExitOne() throws IOException {
        Path out = tmp.resolve("out");
        CliRun model = CliRun.run("compile", "--model", tmp.resolve("missing").toString(), "--scheme", "head-only", "--out",
                out.toString());
        assertEquals(1, model.exit());
        assertTrue(model.err().contains("model '" + tmp.resolve("missing") + "' not found"), model.err());
        CliRun scheme = CliRun.run("compile", "--model", "proxyless-w0.3", "--scheme", "proxyless-99kb", "--out",
                out.toString());
        assertEquals(1, scheme.exit());
        assertTrue(scheme.err().contains("unknown sparse-update preset 'proxyless-99kb'; known presets:"),
                scheme.err());
        Path policy = tmp.resolve("policy.json");
        Files.writeString(policy, "{\"bias_window\": 4, \"weights\": [{\"conv\": 99}]}");
        CliRun file = CliRun.run("compile", "--model", "proxyless-w0.3", "--scheme", policy.toString(), "--out",
                out.toString());
        assertEquals(1, file.exit());
        assertTrue(file.err().contains("conv index 99 does not exist"), file.err());
        CliRun target = CliRun.run("compile", "--model", "proxyless-w0.3", "--scheme", "head-only", "--target", "esp32",
                "--out", out.toString());
        assertEquals(1, target.exit());
        assertTrue(target.err().contains("unknown target 'esp32'"), target.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void usageErrorsExitTwoAndHelpExitsZero() {
        assertEquals(2, CliRun.run("compile", "--model", "mcunet-5fps", "--scheme", "all").exit());
        assertEquals(2, CliRun.run("compile", "--model", "mcunet-5fps", "--scheme", "all", "--out", "x", "--lr", "fast")
                .exit());
        CliRun help = CliRun.run("compile", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--head-init=FILE"), help.out());
        assertTrue(CliRun.run("--help").out().contains("compile"));
    }

    @Test
    void aPolicyFileAndOptionsOnThePretrainedModelWithTheProtocolsHead() throws IOException {
        Path shared = SharedFolder.require();
        Path policy = tmp.resolve("policy.json");
        Files.writeString(policy, "{\"bias_window\": 6, \"weights\": [{\"last\": 2}]}");
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("compile", "--model", shared.resolve("models/proxyless-w0.3").toString(), "--scheme",
                policy.toString(), "--target", "tte-256kb", "--rounding", "nearest_even", "--lr", "0.002",
                "--bias-lr", "0.0005", "--head-init",
                shared.resolve("bench/fashion-mnist-protocol/head-init/proxyless-w0.3.bin").toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("scheme  policy.json   target tte-256kb   rounding nearest_even   lr 0.002"
                + "   bias lr 5.0E-4"), r.out());
        String text = Files.readString(out.resolve("report.txt"));
        assertTrue(text.contains("head: initialised from"), text);
        assertFalse(text.contains("SYNTHETIC"), text);
    }

    @Test
    void aShippedModelByNameIsTheRealOne() throws IOException {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("model   mbv2-w0.35\n"), r.out());
        assertFalse(Files.readString(out.resolve("report.txt")).contains("SYNTHETIC"));
        assertTrue(Files.readString(out.resolve("tinytrain.stamp")).contains(
                "file weights.bin sha256 f704b811dc52ab41c9573d06dee8ab73db856ebcc487050f761c5755e4ec8b70"));
    }

    /**
     * The round trip a user makes: export the transfer-learning graph of a model as IR JSON, edit it (here: rename
     * the graph and change the head's initial bias), compile it with {@code --graph}; the plan is the model's own.
     */
    @Test
    void anExportedTransferGraphEditedAndCompiledWithGraph() throws IOException {
        Path graph = tmp.resolve("mcunet.json");
        CliRun export = CliRun.run("inspect", "--model", "mcunet-5fps", "--transfer-head", "10", "--json",
                graph.toString());
        assertEquals(0, export.exit(), export.err());
        JsonNode doc = JSON.readTree(graph.toFile());
        ((ObjectNode) doc).put("name", "my-mcunet");
        Files.writeString(graph, JSON.writeValueAsString(doc));

        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("compile", "--graph", graph.toString(), "--scheme", "mcunet-99kb", "--out",
                out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("model   my-mcunet"), r.out());
        Path direct = tmp.resolve("direct");
        assertEquals(0, CliRun.run("compile", "--model", "mcunet-5fps", "--scheme", "mcunet-99kb", "--out",
                direct.toString()).exit());
        JsonNode a = JSON.readTree(out.resolve("report.json").toFile());
        JsonNode b = JSON.readTree(direct.resolve("report.json").toFile());
        for (String field : List.of("arenaBytes", "sramTotalBytes", "flashBytes")) {
            assertEquals(b.get(field), a.get(field), field);
        }

        // the pretrained int8 classifier is not a trainable head: that export does not compile
        Path forward = tmp.resolve("forward.json");
        assertEquals(0, CliRun.run("inspect", "--model", "mcunet-5fps", "--json", forward.toString()).exit());
        CliRun bad = CliRun.run("compile", "--graph", forward.toString(), "--scheme", "mcunet-99kb", "--out",
                tmp.resolve("bad").toString());
        assertEquals(1, bad.exit(), bad.out());
        // --graph takes IR JSON only
        CliRun folder = CliRun.run("compile", "--graph", "mcunet-5fps", "--scheme", "mcunet-99kb", "--out",
                tmp.resolve("bad").toString());
        assertEquals(1, folder.exit());
        assertTrue(folder.err().contains("not a tinytrain IR JSON file"), folder.err());
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
