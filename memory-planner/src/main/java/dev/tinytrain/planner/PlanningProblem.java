package dev.tinytrain.planner;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Indexed, validated form of a planning problem shared by the strategies: aligned sizes, lifetimes and
 * the time-conflict graph as primitive arrays. Buffers are referred to by their index in the input list.
 */
final class PlanningProblem {
    final List<BufferLifetime> buffers;
    final int alignment;
    final int n;
    /** Aligned size of each buffer. */
    final long[] size;
    final int[] first;
    final int[] last;
    /** For each buffer, the non-empty buffers live at a common step with it (empty for zero-size ones). */
    final int[][] conflicts;
    final long lowerBound;

    private PlanningProblem(List<BufferLifetime> buffers, int alignment) {
        Alignment.require(alignment);
        this.buffers = List.copyOf(buffers);
        this.alignment = alignment;
        this.n = this.buffers.size();
        this.size = new long[n];
        this.first = new int[n];
        this.last = new int[n];
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            BufferLifetime b = this.buffers.get(i);
            if (!names.add(b.name())) {
                throw new InvalidBufferException(b.name(), "appears twice in the buffer list");
            }
            size[i] = b.alignedSize(alignment);
            first[i] = b.firstStep();
            last[i] = b.lastStep();
        }
        this.conflicts = conflictGraph();
        this.lowerBound = LowerBound.of(this.buffers, alignment);
    }

    /**
     * @throws InvalidBufferException if two buffers share a name or an aligned size overflows
     * @throws IllegalArgumentException if the alignment is not positive
     */
    static PlanningProblem of(List<BufferLifetime> buffers, int alignment) {
        return new PlanningProblem(buffers, alignment);
    }

    private int[][] conflictGraph() {
        Integer[] byFirst = new Integer[n];
        for (int i = 0; i < n; i++) {
            byFirst[i] = i;
        }
        Arrays.sort(byFirst, (a, b) -> Integer.compare(first[a], first[b]));
        int[] degree = new int[n];
        int[][] lists = new int[n][4];
        for (int x = 0; x < n; x++) {
            int i = byFirst[x];
            if (size[i] == 0) {
                continue;
            }
            // every later-starting buffer that starts no later than i ends overlaps i in time
            for (int y = x + 1; y < n && first[byFirst[y]] <= last[i]; y++) {
                int j = byFirst[y];
                if (size[j] == 0) {
                    continue;
                }
                lists[i] = add(lists[i], degree[i]++, j);
                lists[j] = add(lists[j], degree[j]++, i);
            }
        }
        int[][] result = new int[n][];
        for (int i = 0; i < n; i++) {
            result[i] = Arrays.copyOf(lists[i], degree[i]);
            Arrays.sort(result[i]);
        }
        return result;
    }

    private static int[] add(int[] list, int at, int value) {
        int[] grown = at < list.length ? list : Arrays.copyOf(list, list.length * 2);
        grown[at] = value;
        return grown;
    }

    /** @return lastStep - firstStep + 1 of buffer {@code i} */
    long length(int i) {
        return (long) last[i] - first[i] + 1;
    }

    /** @return the arena size of the given offsets: the largest end of a buffer */
    long arena(long[] offsets) {
        long max = 0;
        for (int i = 0; i < n; i++) {
            if (size[i] > 0) {
                max = Math.max(max, offsets[i] + size[i]);
            }
        }
        return max;
    }

    /** Builds the public placement, with offsets in input order. */
    Placement toPlacement(String strategy, long[] offsets) {
        Map<String, Long> byName = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            byName.put(buffers.get(i).name(), offsets[i]);
        }
        return new Placement(strategy, byName, arena(offsets));
    }
}
