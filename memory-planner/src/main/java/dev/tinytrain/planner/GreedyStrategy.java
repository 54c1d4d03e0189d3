package dev.tinytrain.planner;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Greedy placement: visit the buffers in a fixed order and put each into the best-fitting gap among the
 * already placed buffers that are live at a common step with it (on top of them if no gap holds it).
 * One pass, {@code O(n d log d)} for {@code d} the largest number of buffers live together.
 */
public final class GreedyStrategy implements PlacementStrategy {
    /** Registry name of {@link #bySize()}. */
    public static final String BY_SIZE = "greedy-by-size";
    /** Registry name of {@link #byLifetime()}. */
    public static final String BY_LIFETIME = "greedy-by-lifetime";
    /** Registry name of {@link #byConflicts()}. */
    public static final String BY_CONFLICTS = "greedy-by-conflicts";

    private final String name;
    private final Function<PlanningProblem, int[]> order;

    private GreedyStrategy(String name, Function<PlanningProblem, int[]> order) {
        this.name = Objects.requireNonNull(name);
        this.order = order;
    }

    /** @return largest buffer first (ties: longer lifetime, earlier start, input order), best fit */
    public static GreedyStrategy bySize() {
        return new GreedyStrategy(BY_SIZE, BufferOrders::bySize);
    }

    /** @return longest lifetime first (ties: larger size, earlier start, input order), best fit */
    public static GreedyStrategy byLifetime() {
        return new GreedyStrategy(BY_LIFETIME, BufferOrders::byLifetime);
    }

    /**
     * @return the buffer with the most conflicting bytes first (its size plus the sizes of all buffers
     *     live at a common step with it; ties: larger size, earlier start, input order), best fit
     */
    public static GreedyStrategy byConflicts() {
        return new GreedyStrategy(BY_CONFLICTS, BufferOrders::byConflicts);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Placement place(List<BufferLifetime> buffers, int alignment) {
        PlanningProblem problem = PlanningProblem.of(buffers, alignment);
        long[] offsets = new long[problem.n];
        new GreedyPlacer(problem).place(order.apply(problem), FitPolicy.BEST_FIT, offsets);
        return problem.toPlacement(name, offsets);
    }

    @Override
    public String toString() {
        return name;
    }
}
