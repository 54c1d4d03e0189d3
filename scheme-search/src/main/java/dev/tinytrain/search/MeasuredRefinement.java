package dev.tinytrain.search;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * A local search on measurements, after the finalists: from the best measured finalist, the neighbours within every
 * budget (one conv's ratio changed, frozen or added, or the bias window moved by one) are fine-tuned as whole schemes,
 * measured exactly as the finalists were, and the search moves to the first one measured better than where it stands
 * (then looks around it). The contributions are single-layer gains summed as if additive; a whole scheme's
 * measurement is what the fine-tune will see, so when the measurement is precise (many seeds of one training order
 * on many validation images) it corrects what the sum cannot: layers that help only together.
 *
 * <p>A neighbourhood holds a hundred schemes and each measurement is minutes, so the neighbours are tried in the
 * order of their predicted gain (the table's only information about them), the infeasible ones skipped before
 * measuring (a memory cost is a compile), and the search stops after {@code measurements} measurements or when every
 * feasible neighbour of the current scheme was measured no better. A scheme is never measured twice. Deterministic
 * when the measurements are.
 */
public final class MeasuredRefinement {

    /**
     * One measured neighbour.
     *
     * @param measured the neighbour and its measurements
     * @param improved measured better than the scheme the search stood on: the search moved to it
     */
    public record Step(FrontRemeasurement.Measured measured, boolean improved) {
    }

    /**
     * The refinement's measurements and its choice.
     *
     * @param steps every neighbour measured, in order
     * @param best the best measured scheme: the start when no neighbour improved on it
     */
    public record Result(List<Step> steps, FrontRemeasurement.Measured best) {
        /** Copies. */
        public Result {
            steps = List.copyOf(steps);
        }
    }

    /** Receives each measured neighbour. */
    @FunctionalInterface
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = (step, done, limit) -> {
        };

        /**
         * A neighbour was measured.
         *
         * @param step the neighbour, its measurements and whether the search moved to it
         * @param done measurements so far
         * @param limit the most the refinement makes
         */
        void measured(Step step, int done, int limit);
    }

    private final ContributionTable table;
    private final SchemeMemory memory;
    private final SearchSettings settings;
    private final String model;

    /**
     * @param table the contributions (the order neighbours are tried in)
     * @param memory the memory model
     * @param settings the budgets and channel rule (as the search's)
     * @param model the model name the policies are marked with
     */
    public MeasuredRefinement(ContributionTable table, SchemeMemory memory, SearchSettings settings, String model) {
        this.table = table;
        this.memory = memory;
        this.settings = settings;
        this.model = model;
    }

    /**
     * Refines from {@code start}.
     *
     * @param start the best measured finalist
     * @param alreadyMeasured schemes measured before (the other finalists): not measured again
     * @param measurements the most neighbours measured (0: none, the start is the result)
     * @param repeats seeds per neighbour, as the finalists'
     * @param measure fine-tunes a scheme, as the finalists were
     * @param perSeed told each seed's measurement
     * @param listener told each measured neighbour
     * @throws IllegalArgumentException when {@code measurements < 0} or {@code repeats < 1}
     */
    public Result run(FrontRemeasurement.Measured start, Collection<Scheme> alreadyMeasured, int measurements,
                      int repeats, FrontRemeasurement.Measure measure, FrontRemeasurement.Listener perSeed,
                      Listener listener) {
        if (measurements < 0 || repeats < 1) {
            throw new IllegalArgumentException("measurements must be >= 0 and repeats >= 1, got " + measurements
                    + ", " + repeats);
        }
        Set<Scheme> tried = new HashSet<>(alreadyMeasured); // measured, or costed and over a budget
        tried.add(start.candidate().scheme());
        List<Step> steps = new ArrayList<>();
        FrontRemeasurement.Measured current = start;
        boolean moved = true;
        while (moved && steps.size() < measurements) {
            moved = false;
            for (Scheme s : neighbours(current.candidate().scheme())) {
                if (steps.size() == measurements) {
                    break;
                }
                if (!tried.add(s)) {
                    continue;
                }
                SchemeCost cost = memory.cost(s.policy(settings.rule(), model));
                if (!settings.fits(cost)) {
                    continue;
                }
                ScoredScheme candidate = new ScoredScheme(s, table.predict(s), cost, true);
                FrontRemeasurement.Measured m = FrontRemeasurement.run(List.of(candidate), repeats,
                        settings.threads(), measure, perSeed).chosen();
                boolean better = m.mean() > current.mean();
                Step step = new Step(m, better);
                steps.add(step);
                listener.measured(step, steps.size(), measurements);
                if (better) {
                    current = m;
                    moved = true;
                    break;
                }
            }
        }
        return new Result(steps, current);
    }

    /**
     * The neighbours of {@code s}, highest predicted gain first (ties: by description): each measured conv's
     * ratio set to each other measured ratio or frozen, or added at each (the window widened to hold it), and the
     * bias window moved by one (never below the deepest trained conv).
     */
    List<Scheme> neighbours(Scheme s) {
        Set<Scheme> out = new LinkedHashSet<>();
        for (int k : new int[] {s.biasWindow() - 1, s.biasWindow() + 1}) {
            boolean holdsWeights = s.weights().isEmpty() || s.convs() - s.weights().firstKey() <= k;
            if (k >= 0 && k <= table.baseWindow() && holdsWeights) {
                out.add(new Scheme(s.convs(), k, s.weights()));
            }
        }
        for (int layer : table.layers()) {
            List<Double> values = new ArrayList<>(table.ratios(layer));
            values.add(0, 0.0);
            for (double v : values) {
                if (v == s.weights().getOrDefault(layer, 0.0)) {
                    continue;
                }
                TreeMap<Integer, Double> w = new TreeMap<>(s.weights());
                if (v == 0) {
                    w.remove(layer);
                } else {
                    w.put(layer, v);
                }
                out.add(new Scheme(s.convs(), Math.max(s.biasWindow(), s.convs() - layer), w));
            }
        }
        List<Scheme> sorted = new ArrayList<>(out);
        sorted.sort(Comparator.comparingDouble(table::predict).reversed().thenComparing(Scheme::describe));
        return sorted;
    }
}
