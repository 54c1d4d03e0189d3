package dev.tinytrain.search;

import java.util.List;

/**
 * What the search found.
 *
 * @param best the feasible scheme with the largest predicted gain (ties: less SRAM)
 * @param front the Pareto front of SRAM total against predicted gain over every scheme evaluated that fits the
 *     Flash and MAC budgets (the SRAM budget not applied), by ascending SRAM
 * @param evaluated distinct schemes evaluated
 * @param generations generations run
 */
public record SearchResult(ScoredScheme best, List<ScoredScheme> front, int evaluated, int generations) {
    /** Copies the list. */
    public SearchResult {
        front = List.copyOf(front);
    }
}
