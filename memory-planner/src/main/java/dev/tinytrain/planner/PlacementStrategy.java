package dev.tinytrain.planner;

import java.util.List;

/**
 * An algorithm that assigns arena offsets to buffers with known lifetimes.
 *
 * <p>Implementations must be deterministic (same input, same placement) and must return a placement
 * that passes {@link OverlapChecker#check}: every buffer placed at an aligned offset, buffers live at a
 * common step disjoint in memory, and {@code arenaBytes} equal to the largest end of a buffer.
 */
public interface PlacementStrategy {

    /** @return the name under which the strategy is registered, e.g. {@code "greedy-by-size"} */
    String name();

    /**
     * Places the buffers.
     *
     * @param buffers buffers with unique names
     * @param alignment alignment in bytes, {@code >= 1}
     * @return the placement, its {@code strategy} set to {@link #name()}
     * @throws InvalidBufferException if two buffers share a name or a size overflows when aligned
     * @throws IllegalArgumentException if the alignment is not positive
     */
    Placement place(List<BufferLifetime> buffers, int alignment);
}
