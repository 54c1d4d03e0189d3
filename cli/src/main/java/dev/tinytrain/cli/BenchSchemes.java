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

    /** A line saying which backward is measured. */
    String backwardNote() {
        return noStreamBackward ? "backward whole tensor by whole tensor (--no-stream-backward)"
                : "backward streamed channel by channel of the expanded tensors";
    }
}
