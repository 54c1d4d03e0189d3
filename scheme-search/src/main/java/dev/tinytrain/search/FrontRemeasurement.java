package dev.tinytrain.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The last step of a search from noisy contributions: the finalists (the schemes of the Pareto front within the
 * SRAM budget with the highest predicted gains) are each fine-tuned as a whole, longer than a trial, on the
 * validation images, and the best measured one is chosen. A prediction sums contributions measured one at a time
 * and is only as good as their additivity and their noise; a whole scheme's measurement is neither.
 */
public final class FrontRemeasurement {

    /**
     * How many finalists and how long each is fine-tuned.
     *
     * @param finalists schemes re-measured (0: choose by prediction only)
     * @param steps training steps (images) of each re-measurement
     * @param repeats seeds per finalist (seed + 0 .. seed + repeats − 1, the trials' seeds); scores are their mean
     * @param validationImages validation images each finalist is scored on (more than a trial's: the finalists
     *     are few and differ by less)
     * @param spread the fewest genes ({@link Scheme#distance}) in which a finalist differs from every finalist
     *     predicted above it: 1 takes the front's best predicted schemes as they come; more spreads the finalists
     *     along the front, so that schemes of different shapes are measured and not only variants of the best
     *     prediction by one ratio
     */
    public record Settings(int finalists, int steps, int repeats, int validationImages, int spread) {
        /** Default finalists. */
        public static final int DEFAULT_FINALISTS = 3;
        /** Default steps of a re-measurement. */
        public static final int DEFAULT_STEPS = 1000;
        /** Default seeds per finalist. */
        public static final int DEFAULT_REPEATS = 2;
        /** Default validation images per finalist. */
        public static final int DEFAULT_VALIDATION_IMAGES = 1000;
        /** Default spread: any two finalists differ (the front's best predicted, as they come). */
        public static final int DEFAULT_SPREAD = 1;

        /** Validates. */
        public Settings {
            if (finalists < 0) {
                throw new IllegalArgumentException("finalists must be >= 0, got " + finalists);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("re-measurement steps must be >= 1, got " + steps);
            }
            if (repeats < 1) {
                throw new IllegalArgumentException("re-measurement repeats must be >= 1, got " + repeats);
            }
            if (validationImages < 1) {
                throw new IllegalArgumentException("re-measurement validation images must be >= 1, got "
                        + validationImages);
            }
            if (spread < 1) {
                throw new IllegalArgumentException("finalist spread must be >= 1, got " + spread);
            }
        }

        /** The defaults: 3 finalists, 1,000 steps, 2 seeds, 1,000 validation images, spread 1. */
        public static Settings defaults() {
            return new Settings(DEFAULT_FINALISTS, DEFAULT_STEPS, DEFAULT_REPEATS, DEFAULT_VALIDATION_IMAGES,
                    DEFAULT_SPREAD);
        }
    }

    /** Fine-tunes one scheme and returns its validation accuracy in percent; called from several threads. */
    @FunctionalInterface
    public interface Measure {
        /**
         * @param scheme the finalist
         * @param repeat the seed offset, from 0
         */
        double accuracy(Scheme scheme, int repeat);
    }

    /**
     * One finalist's measurements.
     *
     * @param candidate the finalist with its prediction and cost
     * @param accuracies validation accuracy (%) of each repeat
     */
    public record Measured(ScoredScheme candidate, List<Double> accuracies) {
        /** Copies. */
        public Measured {
            accuracies = List.copyOf(accuracies);
            if (accuracies.isEmpty()) {
                throw new IllegalArgumentException("no measurement");
            }
        }

        /** Mean validation accuracy (%). */
        public double mean() {
            return accuracies.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        }

        /** Standard error of the mean (sample deviation over √repeats), NaN with one repeat. */
        public double stdErr() {
            int n = accuracies.size();
            if (n < 2) {
                return Double.NaN;
            }
            double m = mean();
            double ss = accuracies.stream().mapToDouble(a -> (a - m) * (a - m)).sum();
            return Math.sqrt(ss / (n - 1) / n);
        }
    }

    /**
     * The finalists' measurements and the choice.
     *
     * @param measured every finalist, by descending predicted gain
     * @param chosen the finalist with the highest mean accuracy (ties: less SRAM, then the higher prediction)
     */
    public record Result(List<Measured> measured, Measured chosen) {
        /** Copies. */
        public Result {
            measured = List.copyOf(measured);
        }
    }

    private FrontRemeasurement() {
    }

    /**
     * The finalists: the schemes of {@code result}'s Pareto front that fit every budget of the search, highest
     * predicted gain first, at most {@code count}. On the front a scheme with more SRAM predicts more gain, so these
     * are the front's last points within the budget; the search's best is always the first. Same as
     * {@code finalists(result, count, 1)}.
     */
    public static List<ScoredScheme> finalists(SearchResult result, int count) {
        return finalists(result, count, 1);
    }

    /**
     * The finalists spread along the front: walking {@code result}'s Pareto front within every budget from the
     * highest predicted gain down, a scheme becomes a finalist when it differs in at least {@code spread} genes
     * ({@link Scheme#distance}) from each finalist taken before it, until there are {@code count}. The search's best
     * is always the first. A spread above 1 trades a little predicted gain for finalists of different shapes: the
     * predictions sum single-layer gains, so they rank the variants of one scheme more confidently than they
     * compare schemes of different shapes, which the measurement then does.
     *
     * @throws IllegalArgumentException when {@code spread < 1}
     */
    public static List<ScoredScheme> finalists(SearchResult result, int count, int spread) {
        if (spread < 1) {
            throw new IllegalArgumentException("finalist spread must be >= 1, got " + spread);
        }
        List<ScoredScheme> fit = new ArrayList<>(result.front().stream().filter(ScoredScheme::feasible).toList());
        fit.sort(Comparator.comparingDouble(ScoredScheme::gain).reversed()
                .thenComparingLong(s -> s.cost().sramTotalBytes()));
        if (result.best().feasible()) {
            fit.remove(result.best());
            fit.add(0, result.best());
        }
        List<ScoredScheme> chosen = new ArrayList<>();
        for (ScoredScheme s : fit) {
            if (chosen.size() == count) {
                break;
            }
            if (chosen.stream().allMatch(c -> c.scheme().distance(s.scheme()) >= spread)) {
                chosen.add(s);
            }
        }
        return List.copyOf(chosen);
    }

    /**
     * Measures every finalist {@code repeats} times (in parallel on {@code threads} threads; the result does not
     * depend on them) and chooses the best measured.
     *
     * @param listener told each measurement as it finishes (from the measuring thread)
     * @throws IllegalArgumentException when there is no finalist
     */
    public static Result run(List<ScoredScheme> finalists, int repeats, int threads, Measure measure,
                             Listener listener) {
        if (finalists.isEmpty()) {
            throw new IllegalArgumentException("no finalist to measure");
        }
        if (repeats < 1 || threads < 1) {
            throw new IllegalArgumentException("repeats and threads must be >= 1, got " + repeats + ", " + threads);
        }
        List<Callable<Double>> jobs = new ArrayList<>();
        for (ScoredScheme f : finalists) {
            for (int r = 0; r < repeats; r++) {
                int repeat = r;
                jobs.add(() -> {
                    double a = measure.accuracy(f.scheme(), repeat);
                    listener.measured(f, repeat, a);
                    return a;
                });
            }
        }
        List<Double> accuracies = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, jobs.size()), r -> {
            Thread t = new Thread(r, "tinytrain-finalist");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Future<Double> f : pool.invokeAll(jobs)) {
                accuracies.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("re-measurement interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("re-measuring a finalist failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<Measured> measured = new ArrayList<>();
        for (int i = 0; i < finalists.size(); i++) {
            measured.add(new Measured(finalists.get(i), accuracies.subList(i * repeats, (i + 1) * repeats)));
        }
        Measured chosen = measured.stream().min(Comparator.comparingDouble(Measured::mean).reversed()
                .thenComparingLong(m -> m.candidate().cost().sramTotalBytes())).orElseThrow();
        return new Result(measured, chosen);
    }

    /** Receives each measurement. */
    @FunctionalInterface
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = (f, r, a) -> {
        };

        /**
         * A finalist's repeat was measured.
         *
         * @param finalist the scheme
         * @param repeat the seed offset
         * @param accuracy its validation accuracy (%)
         */
        void measured(ScoredScheme finalist, int repeat, double accuracy);
    }
}
