package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner on Glow's 79 real allocation traces: valid, and never worse than Glow. */
class GlowCorpusBenchmarkTest {

    @Test
    void everyPlanIsValidAndNoWorseThanGlow() {
        List<GlowModel> models = CorpusFiles.glowModels();
        List<PlacementStrategy> strategies = PlacementStrategies.standard().all();
        long started = System.nanoTime();
        List<GlowCorpusBenchmark.Row> rows = GlowCorpusBenchmark.run(models, strategies);
        long millis = (System.nanoTime() - started) / 1_000_000;

        List<String> worseThanGlow = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            GlowModel m = models.get(i);
            GlowCorpusBenchmark.Row row = rows.get(i);
            // MemoryPlanner already verified the winner; check it again, independently of the planner
            PlanResult r = MemoryPlanner.plan(m.buffers(), m.alignment(), strategies);
            OverlapChecker.check(m.buffers(), r.placement(), m.alignment());
            assertEquals(row.arenaBytes(), r.arenaBytes(), m.name() + ": not deterministic");
            assertTrue(row.arenaBytes() >= row.lowerBound(), m.name());
            if (row.arenaBytes() > m.glowMemBytes()) {
                worseThanGlow.add(m.name() + " (" + row.arenaBytes() + " > " + m.glowMemBytes() + ")");
            }
        }
        String table = GlowCorpusBenchmark.format(rows);
        System.out.println(table);
        System.out.println("planned 79 models in " + millis + " ms");
        assertEquals(List.of(), worseThanGlow, "models where our arena exceeds Glow's MEM");
        // pinned, like TFLM's arena tests: a regression in memory is a failing test
        assertEquals(79, rows.stream().filter(GlowCorpusBenchmark.Row::reachesLowerBound).count(), table);
        assertEquals(310_598_272L, rows.stream().mapToLong(GlowCorpusBenchmark.Row::arenaBytes).sum());
    }

    @Test
    void everyStrategyAloneGivesValidPlans() {
        for (GlowModel m : CorpusFiles.glowModels()) {
            for (PlacementStrategy s : PlacementStrategies.standard().all()) {
                Placement p = s.place(m.buffers(), m.alignment());
                OverlapChecker.check(m.buffers(), p, m.alignment());
                assertTrue(p.arenaBytes() >= LowerBound.of(m.buffers(), m.alignment()), m.name());
            }
        }
    }

    @Test
    void tableHasOneRowPerModelAndTotals() {
        List<GlowCorpusBenchmark.Row> rows = List.of(
                new GlowCorpusBenchmark.Row("m1", 3, 128, 128, 192, "greedy-by-size"),
                new GlowCorpusBenchmark.Row("model-two", 10, 300, 200, 300, "hill-climb"));
        String table = GlowCorpusBenchmark.format(rows);
        String[] lines = table.split("\n");
        assertEquals(7, lines.length, table); // header, rule, 2 rows, rule, totals, summary
        assertTrue(lines[0].startsWith("model"), table);
        assertTrue(lines[5].startsWith("TOTAL (2 models)"), table);
        assertTrue(lines[5].contains("428") && lines[5].contains("492") && lines[5].contains("0.8699"), table);
        assertTrue(lines[6].startsWith("1 of 2 models reach the lower bound; 2 of 2"), table);
        assertEquals(lines[0].indexOf("arena") + "arena".length(), lines[2].indexOf("128") + 3, table);
    }

    @Test
    void mainPrintsTheTable() throws Exception {
        CorpusFiles.glowModels(); // skips if absent
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            GlowCorpusBenchmark.main(new String[] {GlowCorpus.defaultPath().toString(), "greedy-by-size"});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(79 + 5, out.split("\n").length, out);
        assertTrue(out.contains("resnet50_v2.onnx"), out);
        assertTrue(out.contains("70 of 79 models reach the lower bound"), out);
    }
}
