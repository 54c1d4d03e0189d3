package dev.tinytrain.search;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

/**
 * The contributions an analysis measured, each with its standard error, before they are
 * {@linkplain #table(Shrinkage) shrunk} into the {@link ContributionTable} the search sums.
 *
 * <p>Within repeat r every trial trains the same images in the same order, so a gain is the mean over the repeats
 * of paired differences {@code d_r} (a bias window against the head-only trial of the same repeat, a weight
 * against the base window's bias trial of the same repeat). The noise of one difference is estimated by pooling
 * over every contribution of the same kind: {@code s² = Σ_q Σ_r (d_qr − mean_q)² / Σ_q (R − 1)}, separately for
 * the bias sweep and for the weights, and each mean's standard error is {@code s / √R}. Pooled rather than per
 * contribution because R is small (2 or 3): one contribution's own sample deviation would itself be so noisy that
 * gains with a deviation near 0 by chance would escape the shrinkage.
 *
 * @param convs backbone convs of the model
 * @param baseWindow the bias window the weight gains are measured over
 * @param headAccuracy mean validation accuracy (%) when only the head trains
 * @param biasGain k → Δacc_b[:k]
 * @param weightGain conv index → (ratio → Δacc_{W_i,r})
 * @param biasNoise pooled standard deviation of one bias difference (points), NaN with a single repeat
 * @param weightNoise pooled standard deviation of one weight difference (points), NaN with a single repeat or no
 *     weight measured
 */
public record ContributionEstimates(int convs, int baseWindow, double headAccuracy,
                                    NavigableMap<Integer, Estimate> biasGain,
                                    NavigableMap<Integer, NavigableMap<Double, Estimate>> weightGain,
                                    double biasNoise, double weightNoise) {

    /** Copies. */
    public ContributionEstimates {
        biasGain = Collections.unmodifiableNavigableMap(new TreeMap<>(biasGain));
        TreeMap<Integer, NavigableMap<Double, Estimate>> w = new TreeMap<>();
        weightGain.forEach((l, m) -> w.put(l, Collections.unmodifiableNavigableMap(new TreeMap<>(m))));
        weightGain = Collections.unmodifiableNavigableMap(w);
    }

    /** The table the search sums: every gain {@linkplain Shrinkage#apply shrunk} by {@code rule}. */
    public ContributionTable table(Shrinkage rule) {
        TreeMap<Integer, Double> bias = new TreeMap<>();
        biasGain.forEach((k, e) -> bias.put(k, rule.apply(e)));
        TreeMap<Integer, NavigableMap<Double, Double>> weights = new TreeMap<>();
        weightGain.forEach((l, m) -> {
            TreeMap<Double, Double> byRatio = new TreeMap<>();
            m.forEach((r, e) -> byRatio.put(r, rule.apply(e)));
            weights.put(l, byRatio);
        });
        return new ContributionTable(convs, baseWindow, headAccuracy, bias, weights);
    }

    /**
     * The estimates of an analysis from its records.
     *
     * @param channels conv index → its weight's channel count (ratios keeping no channel were not measured)
     * @param study the study key the records must carry
     * @throws IllegalArgumentException naming the first trial without a record
     */
    public static ContributionEstimates of(int convs, AnalysisSettings s, IntUnaryOperator channels, String study,
                                           TrialLog log) {
        int repeats = s.repeats();
        double[] head = new double[repeats];
        double headMean = 0;
        for (int r = 0; r < repeats; r++) {
            head[r] = accuracy(log, study, TrialSpec.head(r));
            headMean += head[r] / repeats;
        }
        TreeMap<Integer, double[]> biasDiffs = new TreeMap<>();
        double[] base = new double[repeats];
        for (int k : s.biasWindows()) {
            double[] d = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                double a = accuracy(log, study, TrialSpec.bias(k, r));
                d[r] = a - head[r];
                if (k == s.baseWindow()) {
                    base[r] = a;
                }
            }
            biasDiffs.put(k, d);
        }
        TreeMap<Integer, TreeMap<Double, double[]>> weightDiffs = new TreeMap<>();
        for (int layer : s.layers()) {
            TreeMap<Double, double[]> byRatio = new TreeMap<>();
            for (double ratio : s.ratios()) {
                if (!AnalysisSettings.measures(ratio, channels.applyAsInt(layer))) {
                    continue;
                }
                double[] d = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    d[r] = accuracy(log, study, TrialSpec.weight(s.baseWindow(), layer, ratio, r)) - base[r];
                }
                byRatio.put(ratio, d);
            }
            if (!byRatio.isEmpty()) {
                weightDiffs.put(layer, byRatio);
            }
        }
        double biasNoise = pooledSd(biasDiffs.values());
        double weightNoise = pooledSd(weightDiffs.values().stream().flatMap(m -> m.values().stream()).toList());
        TreeMap<Integer, Estimate> bias = new TreeMap<>();
        biasDiffs.forEach((k, d) -> bias.put(k, estimate(d, biasNoise)));
        TreeMap<Integer, NavigableMap<Double, Estimate>> weights = new TreeMap<>();
        weightDiffs.forEach((l, m) -> {
            TreeMap<Double, Estimate> byRatio = new TreeMap<>();
            m.forEach((r, d) -> byRatio.put(r, estimate(d, weightNoise)));
            weights.put(l, byRatio);
        });
        return new ContributionEstimates(convs, s.baseWindow(), headMean, bias, weights, biasNoise, weightNoise);
    }

    /** The pooled sample standard deviation of groups of differences (NaN without a degree of freedom). */
    static double pooledSd(Iterable<double[]> groups) {
        double ss = 0;
        long dof = 0;
        for (double[] d : groups) {
            double mean = mean(d);
            for (double x : d) {
                ss += (x - mean) * (x - mean);
            }
            dof += d.length - 1;
        }
        return dof == 0 ? Double.NaN : Math.sqrt(ss / dof);
    }

    private static Estimate estimate(double[] d, double noise) {
        return new Estimate(mean(d), noise / Math.sqrt(d.length), d.length);
    }

    private static double mean(double[] d) {
        double sum = 0;
        for (double x : d) {
            sum += x;
        }
        return sum / d.length;
    }

    private static double accuracy(TrialLog log, String study, TrialSpec spec) {
        return log.find(study, spec).orElseThrow(() -> new IllegalArgumentException("trial " + spec.id()
                + " of study " + study + " has no record")).accuracy();
    }

    /** The estimate of a measured weight gain. */
    public Estimate weight(int layer, double ratio) {
        Map<Double, Estimate> m = weightGain.get(layer);
        Estimate e = m == null ? null : m.get(ratio);
        if (e == null) {
            throw new IllegalArgumentException("conv " + layer + " at ratio " + ratio + " was not measured");
        }
        return e;
    }
}
