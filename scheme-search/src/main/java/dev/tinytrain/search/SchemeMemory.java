package dev.tinytrain.search;

import dev.tinytrain.pruning.SparseUpdatePolicy;

/** The memory model of the search: the cost of a policy's training step. Implementations are thread-safe. */
@FunctionalInterface
public interface SchemeMemory {
    /** The cost of the step that trains {@code policy}. */
    SchemeCost cost(SparseUpdatePolicy policy);
}
