package dev.tinytrain.planner;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where each buffer lives in the arena.
 *
 * @param strategy name of the strategy that produced the placement
 * @param offsets byte offset of every buffer, by buffer name, in the order of the input buffer list;
 *     copied into an unmodifiable map
 * @param arenaBytes arena size: the largest {@code offset + aligned size} over all buffers (0 if none)
 */
public record Placement(String strategy, Map<String, Long> offsets, long arenaBytes) {

    /** Validates and defensively copies the offsets (keeping their iteration order). */
    public Placement {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(offsets, "offsets");
        if (arenaBytes < 0) {
            throw new IllegalArgumentException("arena size must be >= 0 but is " + arenaBytes);
        }
        Map<String, Long> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : offsets.entrySet()) {
            copy.put(Objects.requireNonNull(e.getKey(), "buffer name"),
                    Objects.requireNonNull(e.getValue(), () -> "offset of buffer '" + e.getKey() + "'"));
        }
        offsets = Collections.unmodifiableMap(copy);
    }

    /**
     * @param bufferName a placed buffer
     * @return its byte offset
     * @throws InvalidBufferException if the buffer is not part of this placement
     */
    public long offsetOf(String bufferName) {
        Long offset = offsets.get(bufferName);
        if (offset == null) {
            throw new InvalidBufferException(bufferName, "not placed by strategy " + strategy);
        }
        return offset;
    }
}
