package dev.tinytrain.planner;

import java.util.List;
import java.util.Random;

/**
 * Search over buffer orders, each decoded by the greedy placement, that stops as soon as it reaches the
 * lower bound.
 *
 * <p>It starts from the best of the greedy orders (by size, lifetime, conflicts and size x lifetime,
 * each decoded best-fit and first-fit), then hill-climbs: each iteration changes the current order
 * (moves a buffer that ends above the lower bound to an earlier position, or swaps two buffers),
 * decodes it and keeps the change if the arena is no larger (sideways moves let it cross plateaus).
 * After a number of iterations without a new best it restarts from a perturbed copy of the best order.
 *
 * <p>Deterministic: random choices come from a {@link Random} with a fixed seed and the budget is an
 * iteration count, never wall time. The result is never worse than any of the greedy starting points,
 * in particular never worse than {@link GreedyStrategy#bySize()}, {@link GreedyStrategy#byLifetime()}
 * and {@link GreedyStrategy#byConflicts()}.
 */
public final class HillClimbStrategy implements PlacementStrategy {
    /** Registry name of the default configuration. */
    public static final String NAME = "hill-climb";
    /** Seed of the default configuration. */
    public static final long DEFAULT_SEED = 20_240_611L;
    /** Iteration budget of the default configuration. */
    public static final int DEFAULT_ITERATIONS = 20_000;

    private static final int RESTART_AFTER = 500;

    private final String name;
    private final long seed;
    private final int maxIterations;

    /**
     * @param name registry name
     * @param seed seed of the random choices
     * @param maxIterations number of decoded candidate orders after the greedy starts, {@code >= 0}
     */
    public HillClimbStrategy(String name, long seed, int maxIterations) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("strategy name must not be blank");
        }
        if (maxIterations < 0) {
            throw new IllegalArgumentException("iteration budget must be >= 0 but is " + maxIterations);
        }
        this.name = name;
        this.seed = seed;
        this.maxIterations = maxIterations;
    }

    /** @return the default configuration, registered as {@value #NAME} */
    public static HillClimbStrategy withDefaults() {
        return new HillClimbStrategy(NAME, DEFAULT_SEED, DEFAULT_ITERATIONS);
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the seed of the random choices */
    public long seed() {
        return seed;
    }

    /** @return the iteration budget */
    public int maxIterations() {
        return maxIterations;
    }

    @Override
    public Placement place(List<BufferLifetime> buffers, int alignment) {
        PlanningProblem p = PlanningProblem.of(buffers, alignment);
        int n = p.n;
        GreedyPlacer placer = new GreedyPlacer(p);
        long lb = p.lowerBound;

        // 1. best greedy start
        int[][] starts = {BufferOrders.bySize(p), BufferOrders.byLifetime(p), BufferOrders.byConflicts(p),
                BufferOrders.byArea(p)};
        int[] bestOrder = starts[0];
        FitPolicy fit = FitPolicy.BEST_FIT;
        long[] bestOffsets = new long[n];
        long bestArena = Long.MAX_VALUE;
        long[] scratch = new long[n];
        for (FitPolicy policy : FitPolicy.values()) {
            for (int[] order : starts) {
                long arena = placer.place(order, policy, scratch);
                if (arena < bestArena) {
                    bestArena = arena;
                    bestOrder = order.clone();
                    fit = policy;
                    System.arraycopy(scratch, 0, bestOffsets, 0, n);
                }
            }
        }

        // 2. hill climbing with restarts
        Random random = new Random(seed);
        int[] current = bestOrder.clone();
        long[] currentOffsets = bestOffsets.clone();
        long currentArena = bestArena;
        int[] candidate = new int[n];
        int[] above = new int[n];
        int sinceBest = 0;
        for (int it = 0; it < maxIterations && bestArena > lb && n > 1; it++) {
            System.arraycopy(current, 0, candidate, 0, n);
            mutate(p, candidate, currentOffsets, random, above);
            long arena = placer.place(candidate, fit, scratch);
            if (arena <= currentArena) {
                int[] o = current;
                current = candidate;
                candidate = o;
                long[] s = currentOffsets;
                currentOffsets = scratch;
                scratch = s;
                currentArena = arena;
            }
            if (arena < bestArena) {
                bestArena = arena;
                bestOrder = current.clone();
                System.arraycopy(currentOffsets, 0, bestOffsets, 0, n);
                sinceBest = 0;
            } else if (++sinceBest >= RESTART_AFTER) {
                sinceBest = 0;
                current = bestOrder.clone();
                for (int k = 0; k < 1 + n / 10; k++) {
                    swap(current, random.nextInt(n), random.nextInt(n));
                }
                currentArena = placer.place(current, fit, currentOffsets);
            }
        }
        return p.toPlacement(name, bestOffsets);
    }

    private static void mutate(PlanningProblem p, int[] order, long[] offsets, Random random, int[] above) {
        int n = order.length;
        int move = random.nextInt(10);
        if (move < 5) {
            // move a buffer that ends above the lower bound to an earlier position
            int count = 0;
            for (int pos = 0; pos < n; pos++) {
                int b = order[pos];
                if (p.size[b] > 0 && offsets[b] + p.size[b] > p.lowerBound) {
                    above[count++] = pos;
                }
            }
            if (count > 0) {
                int from = above[random.nextInt(count)];
                if (from > 0) {
                    int to = random.nextInt(from);
                    int b = order[from];
                    System.arraycopy(order, to, order, to + 1, from - to);
                    order[to] = b;
                    return;
                }
            }
        }
        if (move < 8) {
            swap(order, random.nextInt(n), random.nextInt(n));
        } else {
            int i = random.nextInt(n - 1);
            swap(order, i, i + 1);
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    @Override
    public String toString() {
        return name + "(seed=" + seed + ", iterations=" + maxIterations + ")";
    }
}
