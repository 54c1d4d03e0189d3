package dev.tinytrain.compiler;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.Presets;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.util.Objects;

/**
 * What to compile: which parameters train (the sparse-update policy), how they update, and how memory is
 * planned.
 *
 * @param policy the sparse-update policy
 * @param policyName a name for reports (a preset name or a policy file)
 * @param training learning rates, rounding mode, QAS, seed
 * @param fuseUpdates fuse each update into its gradient op and reorder (off only to compare with the unfused
 *     step)
 * @param inPlace let elementwise results share their operand's buffer
 * @param alignment arena offset alignment in bytes
 * @param streamPrefix run the frozen forward prefix in row bands when that lowers the arena of a target with a
 *     memory budget ({@link PrefixStreaming})
 * @param streamBackward run each inverted-residual block's backward channel by channel of its expanded tensor
 *     ({@link dev.tinytrain.reorder.ChannelStreaming}; needs {@code fuseUpdates}): the same bits in less memory
 * @param recomputeBudget the most MACs the streamed prefix may recompute, as a fraction of the step's MACs: a
 *     1x1 expansion is fused into the depthwise conv after it ({@link PrefixStreaming}) only within it; 0 (the
 *     default) recomputes nothing. Recomputing is requantization-bound on the Cortex-M7 (about 8 instructions per
 *     recomputed MAC of a narrow expansion), so a budget that closes an arena gap costs instructions
 */
public record CompileOptions(SparseUpdatePolicy policy, String policyName, TrainingOptions training,
                             boolean fuseUpdates, boolean inPlace, int alignment, boolean streamPrefix,
                             boolean streamBackward, double recomputeBudget) {

    /** Validates. */
    public CompileOptions {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(training, "training");
        if (alignment < 1 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        if (!(recomputeBudget >= 0 && recomputeBudget <= 1)) {
            throw new IllegalArgumentException("recomputeBudget must be a fraction in [0, 1], got " + recomputeBudget);
        }
    }

    /** Options that recompute nothing. */
    public CompileOptions(SparseUpdatePolicy policy, String policyName, TrainingOptions training, boolean fuseUpdates,
                          boolean inPlace, int alignment, boolean streamPrefix, boolean streamBackward) {
        this(policy, policyName, training, fuseUpdates, inPlace, alignment, streamPrefix, streamBackward, 0);
    }

    /** Options with both kinds of streaming on (the default). */
    public CompileOptions(SparseUpdatePolicy policy, String policyName, TrainingOptions training, boolean fuseUpdates,
                          boolean inPlace, int alignment) {
        this(policy, policyName, training, fuseUpdates, inPlace, alignment, true, true);
    }

    /**
     * A preset scheme with the defaults: stochastic rounding of int8 updates (which the Fashion-MNIST study
     * supports, ACCURACY-ANCHORS C2), QAS on, the given learning rate for weights and biases, fused in-place
     * updates, in-place elementwise ops, 4-byte alignment, the frozen prefix streamed in row bands where that lowers
     * the arena, the channel-streamed backward.
     */
    public static CompileOptions preset(String scheme, float lr) {
        return new CompileOptions(Presets.get(scheme), scheme, new TrainingOptions(lr, lr, "stochastic", true, 0), true,
                true, MemoryPlan.DEFAULT_ALIGNMENT);
    }

    /** The same options with other training options. */
    public CompileOptions withTraining(TrainingOptions t) {
        return new CompileOptions(policy, policyName, t, fuseUpdates, inPlace, alignment, streamPrefix, streamBackward,
                recomputeBudget);
    }

    /** The same options with fusion on or off. */
    public CompileOptions withFuseUpdates(boolean fuse) {
        return new CompileOptions(policy, policyName, training, fuse, inPlace, alignment, streamPrefix, streamBackward,
                recomputeBudget);
    }

    /** The same options with row-band streaming of the frozen prefix on or off. */
    public CompileOptions withStreamPrefix(boolean stream) {
        return new CompileOptions(policy, policyName, training, fuseUpdates, inPlace, alignment, stream, streamBackward,
                recomputeBudget);
    }

    /** The same options with the channel-streamed backward on or off. */
    public CompileOptions withStreamBackward(boolean stream) {
        return new CompileOptions(policy, policyName, training, fuseUpdates, inPlace, alignment, streamPrefix, stream,
                recomputeBudget);
    }

    /** The same options with another {@link #recomputeBudget() recompute budget}. */
    public CompileOptions withRecomputeBudget(double budget) {
        return new CompileOptions(policy, policyName, training, fuseUpdates, inPlace, alignment, streamPrefix,
                streamBackward, budget);
    }
}
