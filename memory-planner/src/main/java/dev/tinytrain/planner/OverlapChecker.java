package dev.tinytrain.planner;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a placement independently of the strategy that produced it.
 *
 * <p>Deliberately simple: it shares no code with the strategies (it recomputes aligned sizes and
 * lifetime overlaps itself) and tests every pair of buffers, {@code O(n^2)}. The checks are:
 * <ol>
 *   <li>every buffer is placed, and nothing else is;</li>
 *   <li>every offset is {@code >= 0} and a multiple of the alignment;</li>
 *   <li>every buffer ends within the arena, and the arena is exactly the largest end;</li>
 *   <li>two buffers live at a common step (identical intervals included) share no byte.</li>
 * </ol>
 * Zero-size buffers occupy no bytes and therefore never collide.
 */
public final class OverlapChecker {
    private OverlapChecker() {
    }

    /**
     * Checks the placement.
     *
     * @param buffers the buffers the placement was made for; names must be unique
     * @param placement the placement to verify
     * @param alignment alignment in bytes, {@code >= 1}
     * @throws PlanVerificationException naming the offending buffer(s) on the first violation found
     * @throws InvalidBufferException if two buffers share a name
     */
    public static void check(List<BufferLifetime> buffers, Placement placement, int alignment) {
        if (alignment < 1) {
            throw new IllegalArgumentException("alignment must be >= 1 byte but is " + alignment);
        }
        Map<String, Long> offsets = placement.offsets();
        int n = buffers.size();
        long[] start = new long[n];
        long[] end = new long[n];
        Set<String> names = new HashSet<>();
        long maxEnd = 0;
        for (int i = 0; i < n; i++) {
            BufferLifetime b = buffers.get(i);
            if (!names.add(b.name())) {
                throw new InvalidBufferException(b.name(), "appears twice in the buffer list");
            }
            Long offset = offsets.get(b.name());
            if (offset == null) {
                throw new PlanVerificationException(b.name(), null,
                        "buffer '" + b.name() + "' is not placed by " + placement.strategy());
            }
            if (offset < 0) {
                throw new PlanVerificationException(b.name(), null,
                        "buffer '" + b.name() + "' has negative offset " + offset);
            }
            if (offset % alignment != 0) {
                throw new PlanVerificationException(b.name(), null, "buffer '" + b.name() + "' offset "
                        + offset + " is not a multiple of the alignment " + alignment);
            }
            long size = b.sizeBytes();
            long blocks = size / alignment + (size % alignment == 0 ? 0 : 1);
            long occupied;
            long bufferEnd;
            try {
                occupied = Math.multiplyExact(blocks, (long) alignment);
                bufferEnd = Math.addExact(offset, occupied);
            } catch (ArithmeticException overflow) {
                throw new PlanVerificationException(b.name(), null,
                        "buffer '" + b.name() + "' at offset " + offset + " overflows the address space");
            }
            if (bufferEnd > placement.arenaBytes()) {
                throw new PlanVerificationException(b.name(), null, "buffer '" + b.name() + "' occupies ["
                        + offset + ", " + bufferEnd + ") beyond the arena of " + placement.arenaBytes()
                        + " bytes");
            }
            start[i] = offset;
            end[i] = bufferEnd;
            maxEnd = Math.max(maxEnd, bufferEnd);
        }
        for (String placed : offsets.keySet()) {
            if (!names.contains(placed)) {
                throw new PlanVerificationException(placed, null,
                        "placement has an offset for unknown buffer '" + placed + "'");
            }
        }
        if (maxEnd != placement.arenaBytes()) {
            throw new PlanVerificationException(null, null, "arena of " + placement.arenaBytes()
                    + " bytes is not tight: the buffers end at " + maxEnd);
        }
        for (int i = 0; i < n; i++) {
            BufferLifetime a = buffers.get(i);
            for (int j = i + 1; j < n; j++) {
                BufferLifetime b = buffers.get(j);
                boolean liveTogether = a.firstStep() <= b.lastStep() && b.firstStep() <= a.lastStep();
                boolean shareBytes = start[i] < end[i] && start[j] < end[j] // zero-size: no bytes
                        && start[i] < end[j] && start[j] < end[i];
                if (liveTogether && shareBytes) {
                    throw new PlanVerificationException(a.name(), b.name(), "buffers '" + a.name()
                            + "' (steps " + a.firstStep() + ".." + a.lastStep() + ", bytes [" + start[i]
                            + ", " + end[i] + ")) and '" + b.name() + "' (steps " + b.firstStep() + ".."
                            + b.lastStep() + ", bytes [" + start[j] + ", " + end[j]
                            + ")) are live at a common step and share bytes");
                }
            }
        }
    }
}
