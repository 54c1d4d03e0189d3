package dev.tinytrain.planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random planning problems for property tests. */
final class RandomInstances {
    private RandomInstances() {
    }

    /**
     * @param random the seeded source
     * @param maxBuffers upper bound on the number of buffers (at least 1)
     * @return buffers with a mix of short and long lifetimes, a few zero sizes and a few identical intervals
     */
    static List<BufferLifetime> instance(Random random, int maxBuffers) {
        int n = 1 + random.nextInt(maxBuffers);
        int steps = 1 + random.nextInt(3 * n);
        List<BufferLifetime> buffers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long size = switch (random.nextInt(10)) {
                case 0 -> 0;
                case 1, 2 -> 1 + random.nextInt(16);
                case 3, 4, 5 -> 1 + random.nextInt(1024);
                default -> 64L * (1 + random.nextInt(64));
            };
            int first;
            int last;
            if (i > 0 && random.nextInt(8) == 0) { // same interval as an earlier buffer
                BufferLifetime twin = buffers.get(random.nextInt(i));
                first = twin.firstStep();
                last = twin.lastStep();
            } else {
                first = random.nextInt(steps);
                int length = random.nextInt(4) == 0 ? random.nextInt(steps) : random.nextInt(4);
                last = Math.min(steps - 1, first + length);
            }
            buffers.add(new BufferLifetime("b" + i, size, first, last));
        }
        return buffers;
    }
}
