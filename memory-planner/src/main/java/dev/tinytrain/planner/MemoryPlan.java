package dev.tinytrain.planner;

import dev.tinytrain.ir.Graph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The static memory plan of a scheduled graph: where every arena tensor lives, how large the arena is, and how
 * close that is to the lower bound.
 *
 * @param layout the offsets every backend uses
 * @param lifetimes the buffers and which value each holds
 * @param result the placement with its lower bound (LOAD) and efficiency (LOAD / arena)
 */
public record MemoryPlan(ArenaLayout layout, TensorLifetimes lifetimes, PlanResult result) {

    /** Default alignment of arena offsets in bytes (float32 and int32 tensors need 4 on a Cortex-M7). */
    public static final int DEFAULT_ALIGNMENT = 4;

    /**
     * Plans {@code g} (nodes in execution order) with in-place execution and the standard strategies, keeping the
     * smallest arena; the plan is checked by {@link OverlapChecker} before it is returned.
     */
    public static MemoryPlan of(Graph g) {
        return of(g, DEFAULT_ALIGNMENT, true, PlacementStrategies.standard().all());
    }

    /** Plans {@code g} with the given alignment, in-place choice and strategies. */
    public static MemoryPlan of(Graph g, int alignment, boolean inPlace, List<PlacementStrategy> strategies) {
        TensorLifetimes lt = TensorLifetimes.of(g, inPlace, alignment);
        PlanResult r = MemoryPlanner.plan(lt.buffers(), alignment, strategies);
        OverlapChecker.check(lt.buffers(), r.placement(), alignment);
        Map<String, Long> offsets = new LinkedHashMap<>();
        lt.bufferOf().forEach((value, buffer) ->
                offsets.put(value, r.placement().offsetOf(buffer) + lt.offsetInBuffer().get(value)));
        return new MemoryPlan(new ArenaLayout(offsets, r.arenaBytes(), alignment), lt, r);
    }

    /** Arena size in bytes. */
    public long arenaBytes() {
        return result.arenaBytes();
    }

    /** The lower bound LOAD in bytes. */
    public long lowerBoundBytes() {
        return result.lowerBound();
    }
}
