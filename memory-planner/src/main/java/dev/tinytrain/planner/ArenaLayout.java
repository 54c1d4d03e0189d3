package dev.tinytrain.planner;

import com.google.common.collect.ImmutableMap;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each planned value lives in the one static arena: a byte offset per value name, and the arena size.
 * Backends read only this; how the offsets were found (a trivial layout or the lifetime-based planner) is not
 * their concern.
 *
 * @param offsets byte offset of every value that lives in the arena
 * @param arenaBytes arena size
 * @param alignment every offset is a multiple of this
 */
public record ArenaLayout(Map<String, Long> offsets, long arenaBytes, int alignment) {

    /** Copies the map and checks offsets against the alignment. */
    public ArenaLayout {
        offsets = ImmutableMap.copyOf(offsets);
        if (alignment < 1) {
            throw new IllegalArgumentException("alignment must be >= 1");
        }
        offsets.forEach((name, off) -> {
            if (off < 0 || off % alignment != 0) {
                throw new IllegalArgumentException("offset " + off + " of %" + name + " is not a non-negative multiple"
                        + " of the alignment " + alignment);
            }
        });
    }

    /** The offset of {@code v}; an error naming it when it has none. */
    public int offsetOf(Value v) {
        Long off = offsets.get(v.name());
        if (off == null) {
            throw new IllegalArgumentException("%" + v.name() + " has no place in the arena layout");
        }
        return Math.toIntExact(off);
    }

    /** True when {@code v} has a place in the arena. */
    public boolean contains(Value v) {
        return offsets.containsKey(v.name());
    }

    /**
     * The trivial layout: every graph input and node result gets its own aligned slot, one after another, so
     * nothing is ever overwritten (all intermediate values stay readable after a run). Parameters are not in the
     * arena.
     */
    public static ArenaLayout sequential(Graph g, int alignment) {
        Map<String, Long> offsets = new LinkedHashMap<>();
        long next = 0;
        for (Value v : g.inputs()) {
            offsets.put(v.name(), next);
            next = align(next + v.type().byteSize(), alignment);
        }
        for (Node n : g.nodes()) {
            for (Value v : n.outputs()) {
                offsets.put(v.name(), next);
                next = align(next + v.type().byteSize(), alignment);
            }
        }
        return new ArenaLayout(offsets, next, alignment);
    }

    /** Rounds {@code n} up to a multiple of {@code alignment}. */
    public static long align(long n, int alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }
}
