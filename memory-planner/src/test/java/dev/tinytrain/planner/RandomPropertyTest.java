package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties over a few hundred seeded random instances. */
class RandomPropertyTest {
    private static final int INSTANCES = 400;
    private static final int[] ALIGNMENTS = {1, 4, 16, 64, 3};

    /** Default greedy strategies plus a small-budget search, so that unreachable bounds stay cheap. */
    private static final List<PlacementStrategy> STRATEGIES = List.of(
            GreedyStrategy.bySize(), GreedyStrategy.byLifetime(), GreedyStrategy.byConflicts(),
            new HillClimbStrategy("hill-climb-small", 7, 300));

    @Test
    void everyStrategyProducesValidPlacementsAboveTheBound() {
        Random random = new Random(0x5EEDL);
        int reachedBound = 0;
        for (int k = 0; k < INSTANCES; k++) {
            List<BufferLifetime> buffers = RandomInstances.instance(random, 60);
            int alignment = ALIGNMENTS[k % ALIGNMENTS.length];
            long lowerBound = LowerBound.of(buffers, alignment);
            assertEquals(bruteForceLowerBound(buffers, alignment), lowerBound, "instance " + k);

            long[] arenas = new long[STRATEGIES.size()];
            for (int s = 0; s < STRATEGIES.size(); s++) {
                Placement p = STRATEGIES.get(s).place(buffers, alignment);
                OverlapChecker.check(buffers, p, alignment);
                assertTrue(p.arenaBytes() >= lowerBound, "instance " + k + " " + p.strategy());
                arenas[s] = p.arenaBytes();
            }
            // the search starts from the greedy orders, so it is never worse than any of them
            for (int s = 0; s < 3; s++) {
                assertTrue(arenas[3] <= arenas[s], "instance " + k + ": search worse than " + STRATEGIES.get(s));
            }

            PlanResult result = MemoryPlanner.plan(buffers, alignment, STRATEGIES);
            OverlapChecker.check(buffers, result.placement(), alignment);
            assertEquals(lowerBound, result.lowerBound());
            assertTrue(result.arenaBytes() >= lowerBound);
            for (int s = 0; s < arenas.length; s++) {
                assertTrue(result.arenaBytes() <= arenas[s], "instance " + k + ": best-of worse than "
                        + STRATEGIES.get(s));
            }
            double expected = result.arenaBytes() == 0 ? 1.0 : (double) lowerBound / result.arenaBytes();
            assertEquals(expected, result.efficiency(), 0.0);
            reachedBound += result.reachesLowerBound() ? 1 : 0;
        }
        // sanity: the instances are not all trivial, and the planner is not bad on them either
        assertTrue(reachedBound > INSTANCES / 2, "only " + reachedBound + " instances reach the bound");
        assertTrue(reachedBound < INSTANCES, "all instances reached the bound: the generator is too easy");
    }

    /** Independent LOAD: sums the aligned sizes at every step. */
    private static long bruteForceLowerBound(List<BufferLifetime> buffers, int alignment) {
        int maxStep = buffers.stream().mapToInt(BufferLifetime::lastStep).max().orElse(-1);
        long best = 0;
        for (int step = 0; step <= maxStep; step++) {
            long live = 0;
            for (BufferLifetime b : buffers) {
                if (b.firstStep() <= step && step <= b.lastStep()) {
                    live += (b.sizeBytes() + alignment - 1) / alignment * alignment;
                }
            }
            best = Math.max(best, live);
        }
        return best;
    }
}
