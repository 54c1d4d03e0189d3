package dev.tinytrain.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What a contribution analysis found (MAG eq. 5's terms), in accuracy points (percent):
 * {@code Δacc_b[:k]}, the gain of training the biases of the last k convs over the head only, and
 * {@code Δacc_{W_i,r}}, the gain of additionally training the weight of conv i at channel ratio r over the biases
 * of the base window: the measured means ({@link ContributionEstimates}) after {@link Shrinkage}.
 *
 * @param convs backbone convs of the model
 * @param baseWindow the bias window the weight gains are measured over
 * @param headAccuracy mean validation accuracy (%) when only the head trains
 * @param biasGain k → Δacc_b[:k], for the measured k
 * @param weightGain conv index → (ratio → Δacc_{W_i,r})
 */
public record ContributionTable(int convs, int baseWindow, double headAccuracy, NavigableMap<Integer, Double> biasGain,
                                NavigableMap<Integer, NavigableMap<Double, Double>> weightGain) {

    /** Validates and copies. */
    public ContributionTable {
        if (convs < 1 || baseWindow < 0 || baseWindow > convs) {
            throw new IllegalArgumentException("convs " + convs + ", base window " + baseWindow);
        }
        biasGain = Collections.unmodifiableNavigableMap(new TreeMap<>(biasGain));
        TreeMap<Integer, NavigableMap<Double, Double>> w = new TreeMap<>();
        for (Map.Entry<Integer, NavigableMap<Double, Double>> e : weightGain.entrySet()) {
            int layer = e.getKey();
            if (layer < convs - baseWindow || layer >= convs) {
                throw new IllegalArgumentException("conv " + layer + " lies outside the base window of the last "
                        + baseWindow + " of " + convs + " convs");
            }
            w.put(layer, Collections.unmodifiableNavigableMap(new TreeMap<>(e.getValue())));
        }
        weightGain = Collections.unmodifiableNavigableMap(w);
    }

    /**
     * Δacc_b[:k]: 0 for k = 0; the measured value for a measured k; linear between measured windows (and between
     * 0 and the first); the largest measured window's value beyond it.
     */
    public double biasGain(int k) {
        if (k <= 0 || biasGain.isEmpty()) {
            return 0;
        }
        Map.Entry<Integer, Double> lo = biasGain.floorEntry(k);
        Map.Entry<Integer, Double> hi = biasGain.ceilingEntry(k);
        if (hi == null) {
            return lo.getValue();
        }
        if (lo == null) {
            return hi.getValue() * k / hi.getKey();
        }
        if (lo.getKey() == k) {
            return lo.getValue();
        }
        double t = (double) (k - lo.getKey()) / (hi.getKey() - lo.getKey());
        return lo.getValue() + t * (hi.getValue() - lo.getValue());
    }

    /** Δacc_{W_i,r} of a measured layer and ratio. */
    public double weightGain(int layer, double ratio) {
        NavigableMap<Double, Double> m = weightGain.get(layer);
        Double v = m == null ? null : m.get(ratio);
        if (v == null) {
            throw new IllegalArgumentException("conv " + layer + " at ratio " + ratio + " was not measured");
        }
        return v;
    }

    /** The layers with measured weight gains, ascending. */
    public List<Integer> layers() {
        return new ArrayList<>(weightGain.keySet());
    }

    /** The ratios measured for {@code layer}, ascending. */
    public List<Double> ratios(int layer) {
        return new ArrayList<>(weightGain.getOrDefault(layer, new TreeMap<>()).keySet());
    }

    /** The predicted gain of a scheme (MAG eq. 5, the contributions taken as additive). */
    public double predict(Scheme s) {
        double g = biasGain(s.biasWindow());
        for (Map.Entry<Integer, Double> w : s.weights().entrySet()) {
            g += weightGain(w.getKey(), w.getValue());
        }
        return g;
    }
}
