package dev.tinytrain.search;

import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.LayerRef;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import dev.tinytrain.pruning.WeightUpdate;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A point of the search space: the biases of the last {@code biasWindow} convs and the weights of some convs, each
 * at a channel ratio. Every weight-trained conv lies inside the bias window (TTE asserts it; so does
 * {@code PolicyResolver}).
 *
 * @param convs backbone convs of the model
 * @param biasWindow biases of the last k convs
 * @param weights conv index → channel ratio in (0, 1]
 */
public record Scheme(int convs, int biasWindow, SortedMap<Integer, Double> weights) {

    /** Validates and copies. */
    public Scheme {
        if (biasWindow < 0 || biasWindow > convs) {
            throw new IllegalArgumentException("bias window " + biasWindow + " outside [0, " + convs + "]");
        }
        weights = Collections.unmodifiableSortedMap(new TreeMap<>(weights));
        for (Map.Entry<Integer, Double> w : weights.entrySet()) {
            if (w.getKey() < convs - biasWindow || w.getKey() >= convs) {
                throw new IllegalArgumentException("conv " + w.getKey() + " lies outside the bias window of the last "
                        + biasWindow + " of " + convs + " convs");
            }
            if (!(w.getValue() > 0 && w.getValue() <= 1)) {
                throw new IllegalArgumentException("conv " + w.getKey() + ": ratio " + w.getValue()
                        + " outside (0, 1]");
            }
        }
    }

    /**
     * The policy: this scheme's biases and weights, channels picked by {@code rule}, marked as written for
     * {@code model} (so it is refused on a model with another number of convs).
     */
    public SparseUpdatePolicy policy(ChannelSelection.Rule rule, String model) {
        SparseUpdatePolicy.Builder b = SparseUpdatePolicy.builder().biasWindow(biasWindow).target(model, convs);
        weights.forEach((layer, ratio) -> b.weight(layer, ChannelSelection.ratio(ratio, rule)));
        return b.build();
    }

    /**
     * The scheme of a policy as a point of {@code table}'s space, or empty when the policy is not one: a weight named
     * other than by conv index, with an explicit channel list, at a layer and ratio the table did not measure, or
     * outside the bias window.
     */
    public static Optional<Scheme> of(SparseUpdatePolicy policy, ContributionTable table) {
        if (policy.allBiases() || policy.biasWindow() > table.convs()) {
            return Optional.empty();
        }
        TreeMap<Integer, Double> w = new TreeMap<>();
        for (WeightUpdate u : policy.weights()) {
            if (!(u.layer() instanceof LayerRef.Index i) || !(u.selection() instanceof ChannelSelection.Ratio r)
                    || !table.ratios(i.index()).contains(r.ratio())) {
                return Optional.empty();
            }
            w.put(i.index(), r.ratio());
        }
        try {
            return Optional.of(new Scheme(table.convs(), policy.biasWindow(), w));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a weight outside the bias window: PolicyResolver refuses it too
        }
    }

    /**
     * How many genes two schemes differ in: 1 when their bias windows differ, plus 1 per conv trained at a different
     * ratio by one of them (an untrained conv has ratio 0). Symmetric; 0 exactly for equal schemes.
     */
    public int distance(Scheme other) {
        int d = biasWindow == other.biasWindow ? 0 : 1;
        TreeMap<Integer, Double> union = new TreeMap<>(weights);
        union.putAll(other.weights);
        for (Integer conv : union.keySet()) {
            if (!weights.getOrDefault(conv, 0.0).equals(other.weights.getOrDefault(conv, 0.0))) {
                d++;
            }
        }
        return d;
    }

    /** A short description: {@code bias 22, w21@1 w36@0.125}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("bias " + biasWindow);
        if (!weights.isEmpty()) {
            sb.append(",");
            weights.forEach((l, r) -> sb.append(" w").append(l).append('@').append(ratioText(r)));
        }
        return sb.toString();
    }

    static String ratioText(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
    }
}
