package dev.tinytrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tinytrain.dataset.TrainingOrder;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The finalists of the front are re-measured as whole schemes and the best measured is chosen. */
class FrontRemeasurementTest {

    private static ScoredScheme scored(int k, double gain, long sram, boolean feasible) {
        return new ScoredScheme(new Scheme(8, k, new TreeMap<>()), gain, new SchemeCost(sram, 1, 0), feasible);
    }

    /** A front of 5 schemes, the last one over the SRAM budget. */
    private static SearchResult result() {
        List<ScoredScheme> front = List.of(scored(0, 0, 1000, true), scored(2, 3, 1200, true),
                scored(4, 5, 1400, true), scored(6, 6, 1600, true), scored(8, 9, 1800, false));
        return new SearchResult(front.get(3), front, 40, 3);
    }

    @Test
    void theFinalistsAreTheBestPredictedSchemesOfTheFrontWithinTheBudget() {
        List<ScoredScheme> f = FrontRemeasurement.finalists(result(), 3);
        assertEquals(List.of(6, 4, 2), f.stream().map(s -> s.scheme().biasWindow()).toList());
        assertEquals(4, FrontRemeasurement.finalists(result(), 10).size(), "the one over budget is not a finalist");
        assertEquals(List.of(), FrontRemeasurement.finalists(result(), 0));
    }

    private static ScoredScheme weights(double gain, long sram, Map<Integer, Double> w) {
        return new ScoredScheme(new Scheme(8, 6, new TreeMap<>(w)), gain, new SchemeCost(sram, 1, 0), true);
    }

    @Test
    void aSpreadSkipsTheVariantsOfABetterPredictedFinalist() {
        // 7 and 6 differ from the best (8) in conv 5 alone, 5 in convs 5 and 7; 4 and 2 are other shapes
        List<ScoredScheme> front = List.of(
                weights(2, 900, Map.of(5, 1.0)),
                weights(4, 1000, Map.of(3, 0.25, 7, 0.5)),
                weights(5, 1100, Map.of(3, 1.0, 4, 0.5, 6, 1.0)),
                weights(6, 1200, Map.of(3, 1.0, 4, 0.5, 6, 1.0, 7, 0.5)),
                weights(7, 1300, Map.of(3, 1.0, 4, 0.5, 5, 0.125, 6, 1.0, 7, 0.5)),
                weights(8, 1400, Map.of(3, 1.0, 4, 0.5, 5, 0.25, 6, 1.0, 7, 0.5)));
        SearchResult r = new SearchResult(front.get(5), front, 60, 3);
        assertEquals(List.of(8.0, 7.0, 6.0), FrontRemeasurement.finalists(r, 3, 1).stream()
                .map(ScoredScheme::gain).toList(), "spread 1: the best predicted as they come");
        assertEquals(List.of(8.0, 5.0, 4.0), FrontRemeasurement.finalists(r, 3, 2).stream()
                .map(ScoredScheme::gain).toList(), "7 and 6 are one gene from 8");
        assertEquals(List.of(8.0, 4.0, 2.0), FrontRemeasurement.finalists(r, 5, 3).stream()
                .map(ScoredScheme::gain).toList(), "5 is two genes from 8; fewer than asked when the front runs out");
        assertThrows(IllegalArgumentException.class, () -> FrontRemeasurement.finalists(r, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new FrontRemeasurement.Settings(1, 1, 1, 10, 0));
    }

    @Test
    void theDistanceCountsTheBiasWindowAndEachConvWhoseRatioDiffers() {
        Scheme a = new Scheme(8, 6, new TreeMap<>(Map.of(3, 1.0, 5, 0.5)));
        assertEquals(0, a.distance(a));
        assertEquals(1, a.distance(new Scheme(8, 5, new TreeMap<>(Map.of(3, 1.0, 5, 0.5)))));
        assertEquals(2, a.distance(new Scheme(8, 6, new TreeMap<>(Map.of(3, 0.5, 6, 0.5, 5, 0.5)))));
        assertEquals(4, a.distance(new Scheme(8, 7, new TreeMap<>(Map.of(4, 1.0)))),
                "the window, conv 3, conv 4 and conv 5 differ");
        assertEquals(a.distance(new Scheme(8, 2, new TreeMap<>())), new Scheme(8, 2, new TreeMap<>()).distance(a));
    }

    @Test
    void theBestMeasuredIsChosenNotTheBestPredicted() {
        // measured accuracy by bias window and seed: window 4 is best on average though window 6 predicts more
        Map<Integer, double[]> acc = Map.of(6, new double[] {70, 74}, 4, new double[] {75, 76},
                2, new double[] {80, 60});
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        FrontRemeasurement.Result r = FrontRemeasurement.run(FrontRemeasurement.finalists(result(), 3), 2, 3,
                (s, repeat) -> acc.get(s.biasWindow())[repeat],
                (f, repeat, a) -> calls.add(f.scheme().biasWindow() + "#" + repeat));
        assertEquals(4, r.chosen().candidate().scheme().biasWindow());
        assertEquals(75.5, r.chosen().mean(), 1e-12);
        assertEquals(0.5, r.chosen().stdErr(), 1e-12);
        assertEquals(List.of(6, 4, 2), r.measured().stream().map(m -> m.candidate().scheme().biasWindow()).toList());
        assertEquals(List.of(70.0, 74.0), r.measured().get(0).accuracies(), "in seed order on any thread");
        assertEquals(6, calls.size());
        // equal means: the cheaper one
        FrontRemeasurement.Result tie = FrontRemeasurement.run(FrontRemeasurement.finalists(result(), 3), 1, 1,
                (s, repeat) -> 50, FrontRemeasurement.Listener.NONE);
        assertEquals(2, tie.chosen().candidate().scheme().biasWindow());
        assertThrows(IllegalArgumentException.class, () -> FrontRemeasurement.run(List.of(), 1, 1, (s, r0) -> 0,
                FrontRemeasurement.Listener.NONE));
        assertThrows(IllegalArgumentException.class, () -> new FrontRemeasurement.Settings(1, 0, 1, 10, 1));
    }

    /**
     * On the tiny model: a finalist's measurement is the compiled step fine-tuned on the trials' images and seed,
     * so measuring a trial's scheme for the trial's steps gives the trial's accuracy, and longer is another run.
     */
    @Test
    void aMeasurementIsATrialOfTheWholeScheme() {
        ContributionAnalysis a = ContributionAnalysisTest.analysis();
        TrialSpec spec = TrialSpec.weight(3, 1, 0.5, 1);
        TrialRecord trial = a.runTrial(a.study(), spec);
        Scheme s = new Scheme(3, 3, new TreeMap<>(Map.of(1, 0.5)));
        String model = TinyGraphs.withHead().name();
        assertEquals(trial.accuracy(), a.measure(s.policy(ChannelSelection.Rule.MAGNITUDE, model), 30, 1, 20),
                1e-12);
        double longer = a.measure(s.policy(ChannelSelection.Rule.MAGNITUDE, model), 90, 1, 10);
        assertEquals(0, longer * 10 / 100 % 1, 1e-9, "scored on 10 images");
        assertThrows(IllegalArgumentException.class, () -> a.measure(s.policy(ChannelSelection.Rule.MAGNITUDE,
                model), 0, 0, 20));
        assertThrows(IllegalArgumentException.class, () -> a.measure(s.policy(ChannelSelection.Rule.MAGNITUDE,
                model), 30, 0, 21), "only 20 validation images were given");
    }

    /**
     * A fixed training order replaces the seeded shuffle and nothing else: given repeat 1's own shuffle (seed 5 + 1
     * of the 25-image pool) it measures what the shuffle measures; an order of another length is refused.
     */
    @Test
    void aFixedOrderReplacesOnlyTheShuffle() {
        ContributionAnalysis a = ContributionAnalysisTest.analysis();
        SparseUpdatePolicy p = new Scheme(3, 3, new TreeMap<>(Map.of(1, 0.5))).policy(ChannelSelection.Rule.MAGNITUDE,
                TinyGraphs.withHead().name());
        TrainingOrder shuffle = TrainingOrder.seeded(25, 6);
        assertEquals(a.measure(p, 25, 1, 20), a.measure(p, 25, 1, 20, shuffle), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.measure(p, 25, 1, 20, TrainingOrder.seeded(24, 6)));
        assertEquals("the fixed training order has 24 indices, but the training pool holds 25 images", e.getMessage());
    }
}
