package dev.tinytrain.planner;

import java.util.Arrays;
import java.util.Comparator;

/** The deterministic buffer orders used by the greedy strategies (and as search starting points). */
final class BufferOrders {
    private BufferOrders() {
    }

    /** Largest aligned size first; ties: longer lifetime, earlier start, input order. */
    static int[] bySize(PlanningProblem p) {
        return sorted(p, Comparator.<Integer>comparingLong(i -> -p.size[i])
                .thenComparingLong(i -> -p.length(i))
                .thenComparingInt(i -> p.first[i]));
    }

    /** Longest lifetime first; ties: larger size, earlier start, input order. */
    static int[] byLifetime(PlanningProblem p) {
        return sorted(p, Comparator.<Integer>comparingLong(i -> -p.length(i))
                .thenComparingLong(i -> -p.size[i])
                .thenComparingInt(i -> p.first[i]));
    }

    /**
     * Most conflicting bytes first (the sum of the aligned sizes of the buffers live at a common step,
     * including the buffer itself); ties: larger size, earlier start, input order.
     */
    static int[] byConflicts(PlanningProblem p) {
        long[] pressure = new long[p.n];
        for (int i = 0; i < p.n; i++) {
            long sum = p.size[i];
            for (int j : p.conflicts[i]) {
                sum += p.size[j];
            }
            pressure[i] = sum;
        }
        return sorted(p, Comparator.<Integer>comparingLong(i -> -pressure[i])
                .thenComparingLong(i -> -p.size[i])
                .thenComparingInt(i -> p.first[i]));
    }

    /** Largest size x lifetime first; ties: larger size, earlier start, input order. */
    static int[] byArea(PlanningProblem p) {
        return sorted(p, Comparator.<Integer>comparingDouble(i -> -(double) p.size[i] * p.length(i))
                .thenComparingLong(i -> -p.size[i])
                .thenComparingInt(i -> p.first[i]));
    }

    private static int[] sorted(PlanningProblem p, Comparator<Integer> order) {
        Integer[] idx = new Integer[p.n];
        for (int i = 0; i < p.n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, order.thenComparingInt(i -> i)); // stable and total: deterministic
        int[] result = new int[p.n];
        for (int i = 0; i < p.n; i++) {
            result[i] = idx[i];
        }
        return result;
    }
}
