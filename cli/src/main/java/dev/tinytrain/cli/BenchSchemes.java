package dev.tinytrain.cli;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options saying what the benchmarks measure ({@code --schemes}, {@code --rounding}), as a picocli mixin
 * ({@code @Mixin BenchSchemes measured;}) of {@code bench jvm} and {@code bench insns}, so both take and default
 * them alike.
 */
final class BenchSchemes {
    @Option(names = "--schemes", split = ",", paramLabel = "NAME",
            defaultValue = "mcunet-99kb,mbv2-99kb,proxyless-98kb",
            description = "presets to measure (default: ${DEFAULT-VALUE})")
    List<String> schemes;

    @Option(names = "--rounding", defaultValue = "stochastic", paramLabel = "MODE",
            description = "nearest_even, stochastic or float_master (default: ${DEFAULT-VALUE})")
    String rounding;

    @Option(names = "--no-stream-backward",
            description = "measure the step with each inverted-residual block's backward computed whole tensor by "
                    + "whole tensor instead of channel by channel (the comparison for the streaming's overhead)")
    boolean noStreamBackward;

    @Option(names = "--no-stream-prefix", description = "measure the step with the frozen prefix on whole tensors "
            + "(by default it runs in row bands where that lowers the arena)")
    boolean noStreamPrefix;

    @Option(names = "--recompute-budget", defaultValue = "0", paramLabel = "FRACTION",
            description = "fraction of the step's MACs the streamed prefix may recompute to lower the arena: 1x1 expansions are"
                    + " then fused into their depthwise convs (default: 0, nothing recomputed)")
    double recomputeBudget;

    /** A line saying which backward and which prefix are measured. */
    String streamingNote() {
        return (noStreamBackward ? "backward whole tensor by whole tensor (--no-stream-backward)"
                : "backward streamed channel by channel of the expanded tensors")
                + (noStreamPrefix ? ", prefix on whole tensors (--no-stream-prefix)" : ", frozen prefix in row bands")
                + (recomputeBudget > 0 ? " (recompute budget " + recomputeBudget + " of the step's MACs)" : "");
    }
}
