package dev.tinytrain.planner;

import java.util.Arrays;
import java.util.List;

/**
 * The live-size lower bound (LOAD) of a planning problem: the largest sum of aligned sizes of buffers
 * live at one step. No placement can use a smaller arena.
 */
public final class LowerBound {
    private LowerBound() {
    }

    /**
     * Computes LOAD with a sweep over the interval end points, in {@code O(n log n)}.
     *
     * @param buffers the buffers; names are not checked here
     * @param alignment alignment in bytes, {@code >= 1}
     * @return the largest sum of aligned sizes live at one step; 0 for an empty list
     */
    public static long of(List<BufferLifetime> buffers, int alignment) {
        Alignment.require(alignment);
        int n = buffers.size();
        // events encoded as (position, delta); ends are at lastStep + 1 and sort before starts at the same
        // position, so a buffer ending at t never counts together with one starting at t + 1.
        long[] positions = new long[2 * n];
        long[] deltas = new long[2 * n];
        Integer[] idx = new Integer[2 * n];
        for (int i = 0; i < n; i++) {
            BufferLifetime b = buffers.get(i);
            long size = b.alignedSize(alignment);
            positions[2 * i] = b.firstStep();
            deltas[2 * i] = size;
            positions[2 * i + 1] = (long) b.lastStep() + 1;
            deltas[2 * i + 1] = -size;
            idx[2 * i] = 2 * i;
            idx[2 * i + 1] = 2 * i + 1;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Long.compare(positions[a], positions[b]);
            return c != 0 ? c : Long.compare(deltas[a], deltas[b]);
        });
        long live = 0;
        long max = 0;
        for (Integer e : idx) {
            live += deltas[e];
            max = Math.max(max, live);
        }
        return max;
    }
}
