package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryPlannerTest {
    private static final int ALIGN = 64;
    private static final List<BufferLifetime> BUFFERS = List.of(
            new BufferLifetime("a", 64, 0, 1),
            new BufferLifetime("b", 64, 1, 2),
            new BufferLifetime("c", 64, 2, 3));

    /** Places buffers at consecutive offsets (valid but wasteful) and records that it ran. */
    private static final class Stacking implements PlacementStrategy {
        private final String name;
        private final List<String> log;

        Stacking(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Placement place(List<BufferLifetime> buffers, int alignment) {
            log.add(name);
            Map<String, Long> offsets = new LinkedHashMap<>();
            long next = 0;
            for (BufferLifetime b : buffers) {
                offsets.put(b.name(), next);
                next += b.alignedSize(alignment);
            }
            return new Placement(name, offsets, next);
        }
    }

    @Test
    void keepsTheSmallestArenaAndReportsEfficiency() {
        List<String> log = new ArrayList<>();
        PlanResult r = MemoryPlanner.plan(BUFFERS, ALIGN,
                List.of(new Stacking("stack", log), GreedyStrategy.bySize()));
        assertEquals(List.of("stack"), log);
        assertEquals(GreedyStrategy.BY_SIZE, r.placement().strategy());
        assertEquals(128, r.lowerBound());
        assertEquals(128, r.arenaBytes());
        assertEquals(1.0, r.efficiency());
        assertTrue(r.reachesLowerBound());
    }

    @Test
    void stopsAsSoonAsTheLowerBoundIsReached() {
        List<String> log = new ArrayList<>();
        PlanResult r = MemoryPlanner.plan(BUFFERS, ALIGN,
                List.of(GreedyStrategy.bySize(), new Stacking("never-run", log)));
        assertEquals(List.of(), log);
        assertEquals(GreedyStrategy.BY_SIZE, r.placement().strategy());
    }

    @Test
    void earlierStrategyWinsTies() {
        List<String> log = new ArrayList<>();
        PlanResult r = MemoryPlanner.plan(BUFFERS, ALIGN,
                List.of(new Stacking("first", log), new Stacking("second", log)));
        assertEquals(List.of("first", "second"), log); // 192 > LOAD 128: both run
        assertEquals("first", r.placement().strategy());
    }

    @Test
    void efficiencyBelowOneWhenTheBoundIsMissed() {
        List<String> log = new ArrayList<>();
        PlanResult r = MemoryPlanner.plan(BUFFERS, ALIGN, List.of(new Stacking("stack", log)));
        assertEquals(192, r.arenaBytes());
        assertEquals(128.0 / 192.0, r.efficiency(), 1e-12);
    }

    @Test
    void rejectsAnInvalidWinningPlacement() {
        PlacementStrategy broken = new PlacementStrategy() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public Placement place(List<BufferLifetime> buffers, int alignment) {
                Map<String, Long> offsets = new LinkedHashMap<>();
                buffers.forEach(b -> offsets.put(b.name(), 0L));
                return new Placement("broken", offsets, 64);
            }
        };
        PlanVerificationException e = assertThrows(PlanVerificationException.class,
                () -> MemoryPlanner.plan(BUFFERS, ALIGN, List.of(broken)));
        assertEquals("a", e.firstBuffer());
        assertEquals("b", e.secondBuffer());
    }

    @Test
    void emptyProblem() {
        PlanResult r = MemoryPlanner.plan(List.of(), ALIGN);
        assertEquals(0, r.arenaBytes());
        assertEquals(0, r.lowerBound());
        assertEquals(1.0, r.efficiency());
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.plan(BUFFERS, ALIGN, List.of()));
        assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.plan(BUFFERS, 0));
        InvalidBufferException e = assertThrows(InvalidBufferException.class, () -> MemoryPlanner.plan(
                List.of(new BufferLifetime("dup", 1, 0, 0), new BufferLifetime("dup", 1, 1, 1)), ALIGN));
        assertEquals("dup", e.bufferName());
    }
}
