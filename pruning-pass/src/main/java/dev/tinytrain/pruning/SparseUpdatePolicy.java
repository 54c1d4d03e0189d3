package dev.tinytrain.pruning;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which parameters a training step updates ({@code ARCHITECTURE.md} §4, TTE's backward config,
 * {@code TTE-FACTS.md} §F.1): the biases of the last {@code biasWindow} backbone convs, the weights of the convs in
 * {@code weights} (each on some channels), and always the head. Every weight-updated conv must lie inside the bias
 * window, as TTE asserts. The policy is independent of a model until {@link PolicyResolver} applies it to one.
 *
 * <pre>{@code
 * SparseUpdatePolicy p = SparseUpdatePolicy.builder()
 *         .biasWindow(22)
 *         .weight(21).weight(24)
 *         .weight(36, ChannelSelection.ratio(0.125, ChannelSelection.Rule.MAGNITUDE))
 *         .build();
 * }</pre>
 *
 * @param biasWindow the number of last backbone convs whose biases are trained ({@link #ALL} for every conv)
 * @param weights the trained weights, in the order given
 * @param target the model the policy was written for, if any (resolution then fails on another model)
 */
public record SparseUpdatePolicy(int biasWindow, List<WeightUpdate> weights, Optional<Target> target) {

    /** {@link #biasWindow()} meaning every backbone conv. */
    public static final int ALL = Integer.MAX_VALUE;

    /**
     * The model a policy was written for (TTE's schemes use layer indices of one model).
     *
     * @param model the model's name, e.g. {@code mcunet-5fps}
     * @param convs its number of backbone convs
     */
    public record Target(String model, int convs) {
        /** Validates. */
        public Target {
            if (model == null || model.isBlank()) {
                throw new PolicyException("target model name must be non-empty");
            }
            if (convs < 1) {
                throw new PolicyException("target model '" + model + "' needs at least one conv, got " + convs);
            }
        }
    }

    /** Validates and copies. */
    public SparseUpdatePolicy {
        if (biasWindow < 0) {
            throw new PolicyException("bias_window must be >= 0, got " + biasWindow);
        }
        weights = ImmutableList.copyOf(weights);
        Objects.requireNonNull(target, "target");
    }

    /** True when every backbone bias is trained. */
    public boolean allBiases() {
        return biasWindow == ALL;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this policy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.biasWindow = biasWindow;
        b.weights.addAll(weights);
        b.target = target.orElse(null);
        return b;
    }

    /** Builds a {@link SparseUpdatePolicy}; by default no bias, no weight, no target (the head only). */
    public static final class Builder {
        private int biasWindow;
        private final List<WeightUpdate> weights = new ArrayList<>();
        private Target target;

        private Builder() {
        }

        /** Trains the biases of the last {@code k} backbone convs. */
        public Builder biasWindow(int k) {
            this.biasWindow = k;
            return this;
        }

        /** Trains every backbone bias. */
        public Builder allBiases() {
            this.biasWindow = ALL;
            return this;
        }

        /** Trains every channel of the weight of conv {@code convIndex}. */
        public Builder weight(int convIndex) {
            return weight(convIndex, ChannelSelection.all());
        }

        /** Trains the selected channels of the weight of conv {@code convIndex}. */
        public Builder weight(int convIndex, ChannelSelection selection) {
            return weight(new WeightUpdate(convIndex, selection));
        }

        /** Trains the selected channels of the weight of the conv at {@code layerPath}. */
        public Builder weight(String layerPath, ChannelSelection selection) {
            return weight(new WeightUpdate(LayerRef.named(layerPath), selection));
        }

        /** Trains the selected channels of the weights of the last {@code count} backbone convs. */
        public Builder lastWeights(int count, ChannelSelection selection) {
            return weight(new WeightUpdate(LayerRef.last(count), selection));
        }

        /** Trains every channel of every backbone weight. */
        public Builder allWeights() {
            return lastWeights(LayerRef.ALL, ChannelSelection.all());
        }

        /** Adds one weight entry. */
        public Builder weight(WeightUpdate w) {
            weights.add(Objects.requireNonNull(w, "weight update"));
            return this;
        }

        /** Marks the policy as written for this model. */
        public Builder target(String model, int convs) {
            this.target = new Target(model, convs);
            return this;
        }

        /** The policy. */
        public SparseUpdatePolicy build() {
            return new SparseUpdatePolicy(biasWindow, weights, Optional.ofNullable(target));
        }
    }
}
