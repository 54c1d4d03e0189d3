package dev.tinytrain.planner;

import java.util.List;

/**
 * Runs placement strategies and keeps the smallest arena.
 *
 * <p>The strategies run in the given order; the planner stops as soon as one reaches the lower bound
 * (no placement can be smaller). On equal arenas the earlier strategy wins. The chosen placement is
 * verified with {@link OverlapChecker} before it is returned.
 */
public final class MemoryPlanner {
    private MemoryPlanner() {
    }

    /**
     * Plans with all {@linkplain PlacementStrategies#standard() standard strategies}.
     *
     * @param buffers buffers with unique names
     * @param alignment alignment in bytes, {@code >= 1}
     * @return the smallest placement found, the lower bound and the efficiency
     * @see #plan(List, int, List)
     */
    public static PlanResult plan(List<BufferLifetime> buffers, int alignment) {
        return plan(buffers, alignment, PlacementStrategies.standard().all());
    }

    /**
     * Plans the buffers.
     *
     * @param buffers buffers with unique names
     * @param alignment alignment in bytes, {@code >= 1}
     * @param strategies strategies to try, in order; at least one
     * @return the smallest placement found, the lower bound and the efficiency
     * @throws InvalidBufferException if two buffers share a name or a size overflows when aligned
     * @throws IllegalArgumentException if the alignment is not positive or no strategy is given
     * @throws PlanVerificationException if the chosen placement is invalid (a strategy bug)
     */
    public static PlanResult plan(List<BufferLifetime> buffers, int alignment,
            List<? extends PlacementStrategy> strategies) {
        if (strategies.isEmpty()) {
            throw new IllegalArgumentException("at least one placement strategy is needed");
        }
        PlanningProblem problem = PlanningProblem.of(buffers, alignment); // validates once, up front
        long lowerBound = problem.lowerBound;
        Placement best = null;
        for (PlacementStrategy strategy : strategies) {
            Placement placement = strategy.place(problem.buffers, alignment);
            if (best == null || placement.arenaBytes() < best.arenaBytes()) {
                best = placement;
            }
            if (best.arenaBytes() <= lowerBound) {
                break;
            }
        }
        OverlapChecker.check(problem.buffers, best, alignment);
        double efficiency = best.arenaBytes() == 0 ? 1.0 : (double) lowerBound / best.arenaBytes();
        return new PlanResult(best, lowerBound, efficiency);
    }
}
