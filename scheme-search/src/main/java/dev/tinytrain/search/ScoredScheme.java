package dev.tinytrain.search;

/**
 * A scheme with its predicted gain and its cost.
 *
 * @param scheme the scheme
 * @param gain predicted accuracy gain over the head only, in points (the sum of its contributions)
 * @param cost the compiled step's cost
 * @param feasible within every budget of the search
 */
public record ScoredScheme(Scheme scheme, double gain, SchemeCost cost, boolean feasible) {
}
