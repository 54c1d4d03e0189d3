package dev.tinytrain.planner;

import java.util.Objects;

/**
 * The chosen placement of a planning problem and how close it is to the lower bound.
 *
 * @param placement the smallest verified placement found
 * @param lowerBound LOAD, see {@link LowerBound}
 * @param efficiency {@code lowerBound / placement.arenaBytes()}, in {@code (0, 1]}; 1.0 for an empty arena
 */
public record PlanResult(Placement placement, long lowerBound, double efficiency) {

    /** Validates the fields. */
    public PlanResult {
        Objects.requireNonNull(placement, "placement");
        if (lowerBound < 0 || lowerBound > placement.arenaBytes()) {
            throw new IllegalArgumentException("lower bound " + lowerBound + " is not within [0, arena "
                    + placement.arenaBytes() + "]");
        }
    }

    /** @return the arena size of the chosen placement */
    public long arenaBytes() {
        return placement.arenaBytes();
    }

    /** @return {@code true} iff the arena equals the lower bound (provably optimal) */
    public boolean reachesLowerBound() {
        return placement.arenaBytes() == lowerBound;
    }
}
