package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HillClimbStrategyTest {

    @Test
    void improvesOnGreedyWhereGlowMissesTheBound() {
        // Glow reaches 0.9 on resnet50_v2.onnx; so do all our greedy orders
        GlowModel m = CorpusFiles.model("resnet50_v2.onnx");
        long lowerBound = LowerBound.of(m.buffers(), m.alignment());
        for (PlacementStrategy greedy : List.of(GreedyStrategy.bySize(), GreedyStrategy.byLifetime(),
                GreedyStrategy.byConflicts())) {
            assertTrue(greedy.place(m.buffers(), m.alignment()).arenaBytes() > lowerBound, greedy.name());
        }
        Placement p = HillClimbStrategy.withDefaults().place(m.buffers(), m.alignment());
        OverlapChecker.check(m.buffers(), p, m.alignment());
        assertEquals(lowerBound, p.arenaBytes());
    }

    @Test
    void stopsAtTheLowerBoundInsteadOfSpendingItsBudget() {
        GlowModel m = CorpusFiles.model("resnet152_v2.onnx");
        HillClimbStrategy unbounded = new HillClimbStrategy("huge-budget", HillClimbStrategy.DEFAULT_SEED,
                Integer.MAX_VALUE);
        Placement p = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> unbounded.place(m.buffers(), m.alignment()));
        assertEquals(LowerBound.of(m.buffers(), m.alignment()), p.arenaBytes());
    }

    @Test
    void zeroBudgetIsTheBestGreedyStart() {
        GlowModel m = CorpusFiles.model("resnet50_v2.onnx");
        Placement p = new HillClimbStrategy("no-search", 1, 0).place(m.buffers(), m.alignment());
        OverlapChecker.check(m.buffers(), p, m.alignment());
        assertEquals(GreedyStrategy.bySize().place(m.buffers(), m.alignment()).arenaBytes(), p.arenaBytes());
    }

    @Test
    void sameSeedSamePlacement() {
        List<BufferLifetime> buffers = RandomInstances.instance(new java.util.Random(3), 80);
        HillClimbStrategy a = new HillClimbStrategy("a", 11, 2_000);
        assertEquals(a.place(buffers, 8).offsets(), a.place(buffers, 8).offsets());
    }

    @Test
    void rejectsBadConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new HillClimbStrategy("x", 1, -1));
        assertThrows(IllegalArgumentException.class, () -> new HillClimbStrategy(" ", 1, 10));
    }
}
