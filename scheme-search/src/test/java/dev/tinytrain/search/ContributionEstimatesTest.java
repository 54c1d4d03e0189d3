package dev.tinytrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.pruning.ChannelSelection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Gains with standard errors from repeated trials, and the shrinkage the search applies to them. */
class ContributionEstimatesTest {
    private static final String STUDY = "s";

    /** 4 convs, bias windows 1, 2; weights of convs 2, 3 at ratio 1 over the last 2 biases. */
    private static AnalysisSettings settings(int repeats) {
        return new AnalysisSettings(10, 100, repeats, 0, 1e-3f, 1e-3f, "stochastic", true,
                ChannelSelection.Rule.MAGNITUDE, List.of(1, 2), 2, List.of(2, 3), List.of(1.0));
    }

    private static void put(TrialLog log, TrialSpec spec, int correct) {
        log.append(new TrialRecord(STUDY, spec, correct, 100, 1.0, 0, 1000, 0, 0, 0));
    }

    /**
     * Repeat 0 and 1 (accuracies in %): head 50, 52; bias1 54, 54; bias2 60, 56; w2 70, 58 (over bias2: +10, +2);
     * w3 59, 57 (-1, +1).
     */
    private static TrialLog twoRepeats() {
        TrialLog log = TrialLog.inMemory();
        int[][] acc = {{50, 54, 60, 70, 59}, {52, 54, 56, 58, 57}};
        for (int r = 0; r < 2; r++) {
            put(log, TrialSpec.head(r), acc[r][0]);
            put(log, TrialSpec.bias(1, r), acc[r][1]);
            put(log, TrialSpec.bias(2, r), acc[r][2]);
            put(log, TrialSpec.weight(2, 2, 1.0, r), acc[r][3]);
            put(log, TrialSpec.weight(2, 3, 1.0, r), acc[r][4]);
        }
        return log;
    }

    @Test
    void gainsArePairedMeansWithAPooledStandardError() {
        ContributionEstimates e = ContributionEstimates.of(4, settings(2), l -> 8, STUDY, twoRepeats());
        assertEquals(51, e.headAccuracy(), 1e-12);
        // bias differences: k1 {4, 2}, k2 {10, 4}: pooled s² = (1 + 1 + 9 + 9) / 2 = 10
        assertEquals(Math.sqrt(10), e.biasNoise(), 1e-12);
        assertEquals(new Estimate(3, Math.sqrt(10) / Math.sqrt(2), 2), e.biasGain().get(1));
        assertEquals(7, e.biasGain().get(2).mean(), 1e-12);
        // weight differences: w2 {10, 2}, w3 {-1, 1}: pooled s² = (16 + 16 + 1 + 1) / 2 = 17
        assertEquals(Math.sqrt(17), e.weightNoise(), 1e-12);
        Estimate w2 = e.weight(2, 1.0);
        assertEquals(6, w2.mean(), 1e-12);
        assertEquals(Math.sqrt(17 / 2.0), w2.stdErr(), 1e-12);
        assertEquals(0, e.weight(3, 1.0).mean(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> e.weight(3, 0.5));
    }

    @Test
    void theSearchSumsGainsShrunkByTheirStandardError() {
        ContributionEstimates e = ContributionEstimates.of(4, settings(2), l -> 8, STUDY, twoRepeats());
        double se = Math.sqrt(17 / 2.0); // 2.92
        ContributionTable one = e.table(new Shrinkage(1));
        assertEquals(6 - se, one.weightGain(2, 1.0), 1e-12, "a gain of 2 SE keeps what lies beyond 1 SE");
        assertEquals(0, one.weightGain(3, 1.0), 0, "a gain within 1 SE is dropped");
        assertEquals(7 - Math.sqrt(5), one.biasGain(2), 1e-12);
        assertEquals(3 - Math.sqrt(5), one.biasGain(1), 1e-12);
        ContributionTable three = e.table(new Shrinkage(3));
        assertEquals(0, three.weightGain(2, 1.0), 0, "6 points is within 3 SE (8.75)");
        ContributionTable none = e.table(Shrinkage.NONE);
        assertEquals(6, none.weightGain(2, 1.0), 1e-12);
        assertEquals(7, none.biasGain(2), 1e-12);
        Scheme s = new Scheme(4, 2, new TreeMap<>(Map.of(2, 1.0, 3, 1.0)));
        assertEquals(13, none.predict(s), 1e-12);
        assertEquals(7 - Math.sqrt(5) + 6 - se, one.predict(s), 1e-12);
    }

    @Test
    void negativeGainsShrinkTowardsZeroAndASingleRepeatIsUsedAsMeasured() {
        Shrinkage z1 = new Shrinkage(1);
        assertEquals(-2, z1.apply(new Estimate(-4, 2, 2)), 1e-12);
        assertEquals(0, z1.apply(new Estimate(-1.5, 2, 2)), 0);
        assertFalse(Double.doubleToRawLongBits(z1.apply(new Estimate(-1.5, 2, 2))) != 0, "+0, not -0");
        assertEquals(3, z1.apply(new Estimate(5, 2, 2)), 1e-12);
        ContributionEstimates e = ContributionEstimates.of(4, settings(1), l -> 8, STUDY, twoRepeats());
        assertTrue(Double.isNaN(e.weightNoise()) && Double.isNaN(e.biasNoise()), "no degree of freedom");
        assertFalse(e.weight(2, 1.0).hasStdErr());
        assertEquals(10, e.table(new Shrinkage(2)).weightGain(2, 1.0), 1e-12, "no standard error: as measured");
        assertThrows(IllegalArgumentException.class, () -> new Shrinkage(-1));
        assertThrows(IllegalArgumentException.class, () -> new Shrinkage(Double.NaN));
    }
}
