package dev.tinytrain.planner;

import java.util.Arrays;

/**
 * Decodes a buffer order into offsets: buffers are placed one at a time, each in a gap between the
 * buffers already placed that conflict with it in time (or on top of them if no gap holds it).
 * Reusable scratch space makes repeated decoding (as in search) allocation-free; not thread-safe.
 */
final class GreedyPlacer {
    private final PlanningProblem problem;
    private final boolean[] placed;
    private final long[] starts;
    private final long[] ends;

    GreedyPlacer(PlanningProblem problem) {
        this.problem = problem;
        this.placed = new boolean[problem.n];
        int maxDegree = 0;
        for (int[] c : problem.conflicts) {
            maxDegree = Math.max(maxDegree, c.length);
        }
        this.starts = new long[maxDegree];
        this.ends = new long[maxDegree];
    }

    /**
     * Places the buffers in the given order.
     *
     * @param order a permutation of {@code 0..n-1}
     * @param fit how to choose among fitting gaps
     * @param offsets output, indexed by buffer
     * @return the arena size
     */
    long place(int[] order, FitPolicy fit, long[] offsets) {
        Arrays.fill(placed, false);
        long arena = 0;
        for (int i : order) {
            long offset = problem.size[i] == 0 ? 0 : offsetFor(i, fit, offsets);
            offsets[i] = offset;
            placed[i] = true;
            arena = Math.max(arena, offset + problem.size[i]);
        }
        return arena;
    }

    private long offsetFor(int buffer, FitPolicy fit, long[] offsets) {
        int k = 0;
        for (int other : problem.conflicts[buffer]) {
            if (placed[other]) {
                starts[k] = offsets[other];
                ends[k] = offsets[other] + problem.size[other];
                k++;
            }
        }
        if (k == 0) {
            return 0;
        }
        // The free gaps of a union of intervals only depend on the sorted starts and the sorted ends.
        Arrays.sort(starts, 0, k);
        Arrays.sort(ends, 0, k);
        long need = problem.size[buffer];
        long bestOffset = -1;
        long bestSlack = Long.MAX_VALUE;
        long freeFrom = 0;
        int active = 0;
        int s = 0;
        int e = 0;
        while (s < k) {
            if (starts[s] <= ends[e]) {
                if (active == 0) {
                    long gap = starts[s] - freeFrom;
                    if (gap >= need) {
                        if (fit == FitPolicy.FIRST_FIT) {
                            return freeFrom;
                        }
                        if (gap - need < bestSlack) {
                            bestSlack = gap - need;
                            bestOffset = freeFrom;
                        }
                    }
                }
                active++;
                s++;
            } else {
                active--;
                if (active == 0) {
                    freeFrom = ends[e];
                }
                e++;
            }
        }
        return bestOffset >= 0 ? bestOffset : ends[k - 1];
    }
}
