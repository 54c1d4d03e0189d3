package dev.tinytrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinytrain.ir.SharedFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import org.junit.jupiter.api.io.TempDir;

/** {@code tinytrain bench planner} and {@code tinytrain bench schemes}. */
class BenchCommandTest {

    @Test
    void plannerOnASmallCorpus(@TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, String.join("\n", "MODEL two", "ALIGN 64", "ALLOC 0 100", "ALLOC 1 64", "FREE 0",
                "ALLOC 2 128", "FREE 1", "FREE 2", "MEM 256", "EFF 0.75", "MODEL one", "ALIGN 1", "ALLOC 0 10",
                "FREE 0", "MEM 10", "EFF 1.0", ""));
        CliRun r = CliRun.run("bench", "planner", "--corpus", corpus.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Arrays.asList(r.out().split("\n"));
        assertTrue(lines.get(0).matches("model\\s+buffers\\s+arena\\s+LOAD\\s+glow MEM.*"), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("two\\s+3\\s+192\\s+192\\s+256\\s.*")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("TOTAL \\(2 models\\)\\s+4\\s+202\\s+202\\s+266\\s.*")),
                r.out());
        assertTrue(r.err().contains("planning 2 models"), r.err());
    }

    @Test
    void plannerOnGlowsCorpusReachesTheBoundEverywhere() {
        SharedFolder.require();
        CliRun r = CliRun.run("bench", "planner");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("TOTAL (79 models)"), r.out());
        assertTrue(r.out().contains("79 of 79 models reach the lower bound; 79 of 79 are <= Glow's MEM"), r.out());
    }

    @Test
    void plannerWithoutCorpusExitsOne(@TempDir Path tmp) {
        CliRun r = CliRun.run("bench", "planner", "--corpus", tmp.resolve("none.txt").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("corpus not found"), r.err());
    }

    @Test
    void benchNeedsASubcommand() {
        assertEquals(2, CliRun.run("bench").exit());
        assertEquals(2, CliRun.run("bench", "nope").exit());
    }

    @Test
    void schemesTableHasFifteenRowsBesideTtesPeaks(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("schemes.json");
        CliRun r = CliRun.run("bench", "schemes", "--json", json.toString()); // the shipped models
        assertEquals(0, r.exit(), r.err());
        List<String> rows = Arrays.stream(r.out().split("\n")).filter(l -> l.matches("(mcunet|mbv2|proxyless)\\S* .*"))
                .toList();
        assertEquals(15, rows.size(), r.out());
        // arena, LOAD, the backward's peak (streamed channel by channel), arena/LOAD, SRAM total; the frozen prefix
        // runs in row bands, so the arena is the forward's peak
        assertTrue(row(rows, "mcunet-99kb").matches(".*65,604\\s+65,604\\s+58,156\\s+1\\.0000\\s+147,788\\s.*yes.*173"
                + "\\s+0\\.37"),
                row(rows, "mcunet-99kb"));
        assertTrue(row(rows, "proxyless-98kb").matches(".*67,164\\s+67,164\\s+38,188\\s.*135\\s+0\\.49"),
                row(rows, "proxyless-98kb"));
        assertTrue(row(rows, "mbv2-99kb").matches(".*\\s141\\s+\\d\\.\\d\\d"), row(rows, "mbv2-99kb"));
        assertTrue(r.out().contains("15 of 15 fit the STM32F746"), r.out());
        assertTrue(r.err().contains("[15/15]"), r.err());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(15, j.size());
        assertEquals(173, j.get(2).get("ttePeakKb").asInt());
        assertTrue(j.get(0).get("ttePeakKb").isNull());
    }

    @Test
    void schemesWithoutModelsExitsOne(@TempDir Path tmp) {
        CliRun r = CliRun.run("bench", "schemes", "--models", tmp.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("has no model.json"), r.err());
    }

    @Test
    void jvmAndInsnsTakeTheSameSchemesAndRounding() {
        for (Object bench : List.of(new JvmBenchCommand(), new InsnsBenchCommand())) {
            CommandSpec spec = new CommandLine(bench).getCommandSpec();
            assertEquals("mcunet-99kb,mbv2-99kb,proxyless-98kb", spec.findOption("--schemes").defaultValue());
            assertEquals("stochastic", spec.findOption("--rounding").defaultValue());
        }
        CliRun r = CliRun.run("bench", "jvm", "--schemes", "no-such-scheme", "--rounding", "nearest_even");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("'no-such-scheme'"), r.err());
    }

    private static String row(List<String> rows, String scheme) {
        return rows.stream().filter(l -> l.split("\\s+")[1].equals(scheme)).findFirst().orElseThrow();
    }
}
