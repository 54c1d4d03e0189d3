package dev.tinytrain.search;

import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.util.Locale;

/**
 * One measurement of a contribution analysis: a short fine-tune with one sparse-update policy, from one seed.
 * The trial's result is a pure function of (forward graph, data, analysis settings, this spec), so trials can run
 * in any order, on any thread or machine.
 *
 * @param kind what is trained
 * @param biasWindow the number of last backbone convs whose biases are trained (0 for {@link Kind#HEAD})
 * @param layer the TTE index of the conv whose weight is trained ({@link Kind#WEIGHT}), else -1
 * @param ratio the fraction of its channels trained ({@link Kind#WEIGHT}), else 0
 * @param repeat which repeat (seed offset) this is, from 0
 */
public record TrialSpec(Kind kind, int biasWindow, int layer, double ratio, int repeat) {

    /** What a trial trains besides the head. */
    public enum Kind {
        /** The head only (the reference of the bias gains). */
        HEAD,
        /** The biases of the last k convs (k = 0 is {@link #HEAD}). */
        BIAS,
        /** The biases of the analysis's base window and the weight of one conv at a channel ratio. */
        WEIGHT
    }

    /** Validates. */
    public TrialSpec {
        if (kind == null) {
            throw new IllegalArgumentException("trial kind missing");
        }
        if (repeat < 0) {
            throw new IllegalArgumentException("repeat must be >= 0, got " + repeat);
        }
        switch (kind) {
            case HEAD -> {
                if (biasWindow != 0 || layer != -1 || ratio != 0) {
                    throw new IllegalArgumentException("a head-only trial has no bias window, layer or ratio");
                }
            }
            case BIAS -> {
                if (biasWindow < 1 || layer != -1 || ratio != 0) {
                    throw new IllegalArgumentException("a bias trial needs a bias window >= 1 and no layer or ratio,"
                            + " got window " + biasWindow);
                }
            }
            case WEIGHT -> {
                if (biasWindow < 1 || layer < 0 || !(ratio > 0 && ratio <= 1)) {
                    throw new IllegalArgumentException("a weight trial needs a bias window >= 1, a layer >= 0 and a"
                            + " ratio in (0, 1], got window " + biasWindow + ", layer " + layer + ", ratio " + ratio);
                }
            }
            default -> throw new AssertionError(kind);
        }
    }

    /** The head-only trial of {@code repeat}. */
    public static TrialSpec head(int repeat) {
        return new TrialSpec(Kind.HEAD, 0, -1, 0, repeat);
    }

    /** The trial training the biases of the last {@code k} convs. */
    public static TrialSpec bias(int k, int repeat) {
        return new TrialSpec(Kind.BIAS, k, -1, 0, repeat);
    }

    /** The trial training the biases of the last {@code baseWindow} convs and the weight of {@code layer}. */
    public static TrialSpec weight(int baseWindow, int layer, double ratio, int repeat) {
        return new TrialSpec(Kind.WEIGHT, baseWindow, layer, ratio, repeat);
    }

    /** A short stable name, unique within an analysis: {@code head#0}, {@code bias22#0}, {@code w36@0.125#1}. */
    public String id() {
        return switch (kind) {
            case HEAD -> "head#" + repeat;
            case BIAS -> "bias" + biasWindow + "#" + repeat;
            case WEIGHT -> String.format(Locale.ROOT, "b%d+w%d@%s#%d", biasWindow, layer, ratio, repeat);
        };
    }

    /**
     * The policy this trial trains with.
     *
     * @param rule how a weight trial picks its channels
     */
    public SparseUpdatePolicy policy(ChannelSelection.Rule rule) {
        SparseUpdatePolicy.Builder b = SparseUpdatePolicy.builder().biasWindow(biasWindow);
        if (kind == Kind.WEIGHT) {
            b.weight(layer, ChannelSelection.ratio(ratio, rule));
        }
        return b.build();
    }
}
