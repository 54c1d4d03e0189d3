package dev.tinytrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.WeightUpdate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The refinement walks the feasible neighbours of the best finalist in predicted order, measures each as a whole
 * scheme, moves to the first measured better, and never measures a scheme twice or one over a budget.
 */
class MeasuredRefinementTest {

    /** 8 convs, the last 4 measured at ratios 1/2 and 1. */
    private static final ContributionTable TABLE = new ContributionTable(8, 4, 50, new TreeMap<>(Map.of(2, 1.0, 4,
            2.0)), new TreeMap<>(Map.of(
                    4, new TreeMap<>(Map.of(0.5, 0.1, 1.0, 0.2)),
                    5, new TreeMap<>(Map.of(0.5, 3.0, 1.0, 4.0)),
                    6, new TreeMap<>(Map.of(0.5, 0.5, 1.0, 1.0)),
                    7, new TreeMap<>(Map.of(0.5, 2.0, 1.0, 2.5)))));

    /** 100 B per bias, 1,000 B per whole weight; the budget 2,300 B. */
    private static final SchemeMemory MEMORY = p -> new SchemeCost(100L * p.biasWindow() + Math.round(1000
            * p.weights().stream().mapToDouble(MeasuredRefinementTest::ratio).sum()), 1, 0);

    private static double ratio(WeightUpdate u) {
        return ((ChannelSelection.Ratio) u.selection()).ratio();
    }

    private static final SearchSettings SETTINGS = SearchSettings.of(2300, 10);

    /** Measured accuracies by scheme; any other scheme measures 60 %. */
    private static final Map<String, Double> ACCURACY = Map.of("bias 4, w5@0.5 w7@1", 65.0, "bias 4, w6@0.5 w7@1",
            72.0);

    private static Scheme scheme(int k, Map<Integer, Double> w) {
        return new Scheme(8, k, new TreeMap<>(w));
    }

    private static FrontRemeasurement.Measured start() {
        Scheme s = scheme(4, Map.of(7, 1.0));
        return new FrontRemeasurement.Measured(new ScoredScheme(s, TABLE.predict(s), new SchemeCost(1400, 1, 0), true),
                List.of(70.0));
    }

    private static List<String> walk(int limit, Set<Scheme> before, List<String> calls) {
        MeasuredRefinement.Result r = new MeasuredRefinement(TABLE, MEMORY, SETTINGS, "m").run(start(), before, limit,
                1, (s, repeat) -> {
                    calls.add(s.describe());
                    return ACCURACY.getOrDefault(s.describe(), 60.0);
                }, FrontRemeasurement.Listener.NONE, MeasuredRefinement.Listener.NONE);
        List<String> steps = new ArrayList<>();
        for (MeasuredRefinement.Step s : r.steps()) {
            steps.add(s.measured().candidate().scheme().describe() + (s.improved() ? " +" : ""));
        }
        steps.add("best " + r.best().candidate().scheme().describe());
        return steps;
    }

    @Test
    void itMovesToTheFirstNeighbourMeasuredBetterAndStopsAtTheLimit() {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        // predicted: w5@1 (8.5) and w6@1 (5.5) exceed 2,300 B and are skipped unmeasured; w5@0.5 (7.5) measures
        // worse, w6@0.5 (5.0) better: the search moves and walks w6@0.5's neighbours (ties by description)
        assertEquals(List.of("bias 4, w5@0.5 w7@1", "bias 4, w6@0.5 w7@1 +", "bias 3, w6@0.5 w7@1",
                "bias 4, w6@0.5 w7@0.5", "best bias 4, w6@0.5 w7@1"), walk(4, Set.of(), calls));
        assertEquals(4, calls.size(), "one seed each, nothing measured twice");
        // without a limit it ends where every feasible neighbour measured no better
        assertEquals(List.of("bias 4, w5@0.5 w7@1", "bias 4, w6@0.5 w7@1 +", "bias 3, w6@0.5 w7@1",
                "bias 4, w6@0.5 w7@0.5", "bias 4, w6@0.5", "best bias 4, w6@0.5 w7@1"), walk(50, Set.of(),
                new ArrayList<>()));
    }

    @Test
    void schemesMeasuredBeforeAreNotMeasuredAgain() {
        assertEquals(List.of("bias 4, w6@0.5 w7@1 +", "best bias 4, w6@0.5 w7@1"), walk(1,
                Set.of(scheme(4, Map.of(5, 0.5, 7, 1.0))), new ArrayList<>()));
        assertEquals(List.of("best bias 4, w7@1"), walk(0, Set.of(), new ArrayList<>()), "no measurement: the start");
        assertThrows(IllegalArgumentException.class, () -> walk(-1, Set.of(), new ArrayList<>()));
    }

    @Test
    void theNeighboursChangeOneGeneAndKeepEveryWeightInsideTheWindow() {
        List<Scheme> n = new MeasuredRefinement(TABLE, MEMORY, SETTINGS, "m").neighbours(scheme(2, Map.of(7, 1.0)));
        // window 1 and 3; conv 7 frozen or at 1/2; convs 4-6 added at 1/2 or 1, the window widened to hold them
        assertEquals(2 + 2 + 6, n.size());
        assertEquals(scheme(3, Map.of(5, 1.0, 7, 1.0)), n.get(0), "the best predicted first, the window widened");
        for (Scheme s : n) {
            long convsChanged = s.distance(scheme(2, Map.of(7, 1.0))) - (s.biasWindow() == 2 ? 0 : 1);
            assertEquals(s.weights().size() == 1 && s.weights().containsKey(7) && s.weights().get(7) == 1.0 ? 0 : 1,
                    convsChanged, s.describe());
        }
        assertEquals(true, n.contains(scheme(3, Map.of(7, 1.0))) && n.contains(scheme(1, Map.of(7, 1.0))));
        assertEquals(List.of(), new MeasuredRefinement(TABLE, MEMORY, SETTINGS, "m").neighbours(scheme(4, Map.of(4,
                1.0))).stream().filter(s -> s.biasWindow() == 3).toList(), "window 3 would no longer hold conv 4");
    }
}
