package dev.tinytrain.search;

import dev.tinytrain.pruning.ChannelSelection;

/**
 * How the evolutionary search runs and what a scheme must fit.
 *
 * @param sramBudgetBytes the compiled step's SRAM total must not exceed this
 * @param flashBudgetBytes nor its Flash this (the target's)
 * @param backwardMacBudget nor its backward MACs this ({@link Long#MAX_VALUE}: no budget)
 * @param population candidates per generation
 * @param generations generations after the first
 * @param seed seed of the search's random choices (the search is deterministic for a seed)
 * @param rule how the written policy picks channels (the analysis's rule)
 * @param threads threads compiling new candidates (the result does not depend on it)
 */
public record SearchSettings(long sramBudgetBytes, long flashBudgetBytes, long backwardMacBudget, int population,
                             int generations, long seed, ChannelSelection.Rule rule, int threads) {
    /** Default population. */
    public static final int DEFAULT_POPULATION = 32;
    /** Default generations. */
    public static final int DEFAULT_GENERATIONS = 30;

    /** Validates. */
    public SearchSettings {
        if (sramBudgetBytes < 1 || flashBudgetBytes < 1 || backwardMacBudget < 0) {
            throw new IllegalArgumentException("budgets must be positive");
        }
        if (population < 4) {
            throw new IllegalArgumentException("population must be >= 4, got " + population);
        }
        if (generations < 0) {
            throw new IllegalArgumentException("generations must be >= 0, got " + generations);
        }
        if (rule == null) {
            throw new IllegalArgumentException("channel selection rule missing");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    /** True when a step of cost {@code c} fits every budget: SRAM, Flash and backward MACs. */
    public boolean fits(SchemeCost c) {
        return c.sramTotalBytes() <= sramBudgetBytes && c.flashBytes() <= flashBudgetBytes
                && c.backwardMacs() <= backwardMacBudget;
    }

    /** An SRAM budget with the default population, generations and seed, magnitude rule, no MAC budget. */
    public static SearchSettings of(long sramBudgetBytes, long flashBudgetBytes) {
        return new SearchSettings(sramBudgetBytes, flashBudgetBytes, Long.MAX_VALUE, DEFAULT_POPULATION,
                DEFAULT_GENERATIONS, 0, ChannelSelection.Rule.MAGNITUDE, 1);
    }

    /** The same with another seed. */
    public SearchSettings withSeed(long s) {
        return new SearchSettings(sramBudgetBytes, flashBudgetBytes, backwardMacBudget, population, generations, s,
                rule, threads);
    }

    /** The same with another population and number of generations. */
    public SearchSettings withEffort(int newPopulation, int newGenerations) {
        return new SearchSettings(sramBudgetBytes, flashBudgetBytes, backwardMacBudget, newPopulation,
                newGenerations, seed, rule, threads);
    }

    /** The same with another MAC budget. */
    public SearchSettings withMacBudget(long macs) {
        return new SearchSettings(sramBudgetBytes, flashBudgetBytes, macs, population, generations, seed, rule,
                threads);
    }

    /** The same with other threads. */
    public SearchSettings withThreads(int t) {
        return new SearchSettings(sramBudgetBytes, flashBudgetBytes, backwardMacBudget, population, generations, seed,
                rule, t);
    }
}
