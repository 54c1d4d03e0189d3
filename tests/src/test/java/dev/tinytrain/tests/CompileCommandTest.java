package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    @TempDir
    Path tmp;

    @Test
    void compilesABuiltInModelAndPrintsTheSummary() throws IOException {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.run("compile", "--model", "mcunet-5fps", "--scheme", "mcunet-99kb", "--target", "stm32f746",
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

    private static List<String> names(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
