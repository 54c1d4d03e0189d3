package dev.tinytrain.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The evolutionary search of sparse-update schemes (MAG eq. 5): maximise
 * {@code Δacc_b[:k] + Σ Δacc_{W_i,r}} over the bias window k and a ratio (or none) for each measured layer, subject
 * to the compiled step's SRAM total, Flash and (optionally) backward MACs fitting their budgets.
 *
 * <p>A genome is (k, one gene per measured layer: 0 = frozen, j = its j-th measured ratio). Decoding widens k to
 * cover the deepest trained weight (a weight must lie inside the bias window). Each generation keeps an elite,
 * draws parents by binary tournament from the better half, makes children by uniform crossover (probability 1/2)
 * and mutation (k by up to ±4 with probability 0.3; each gene with probability 1.5/L moved one ratio step or
 * redrawn), and evaluates the new ones with the memory model, in parallel but in a fixed order; a child equal to
 * one already in the generation is mutated again. After the last generation a local search from the best scheme
 * takes the best single-gene (or k ± 1) change while it improves; when none improves, it tries swaps (one trained
 * layer lowered or frozen and one other gene changed), which escape the optimum a single change cannot leave when
 * the budget is full: a better layer fits only after a worse one gives its memory back. Candidates are ranked feasible first (by gain,
 * then less SRAM, then name), then infeasible by their largest relative overshoot. Every random choice comes
 * from one {@code SplittableRandom(seed)}: the result depends on the seed only.
 */
public final class EvolutionarySearch {

    /** Receives the search's progress. */
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = (g, total, best, evaluated) -> {
        };

        /**
         * A generation was evaluated.
         *
         * @param generation the generation, 0 for the initial population, {@code generations + 1} after the final
         *     local search
         * @param generations the last generation
         * @param best the best scheme so far
         * @param evaluated distinct schemes evaluated so far
         */
        void generation(int generation, int generations, ScoredScheme best, int evaluated);
    }

    private final ContributionTable table;
    private final SchemeMemory memory;
    private final SearchSettings settings;
    private final String model;
    private final int[] layers;
    private final double[][] ratios;
    private final Map<Scheme, ScoredScheme> seen = new LinkedHashMap<>();

    /**
     * @param table the contributions
     * @param memory the memory model
     * @param settings budgets, effort, seed
     * @param model the model name the policies are marked with
     */
    public EvolutionarySearch(ContributionTable table, SchemeMemory memory, SearchSettings settings, String model) {
        this.table = table;
        this.memory = memory;
        this.settings = settings;
        this.model = model;
        List<Integer> ls = table.layers();
        this.layers = ls.stream().mapToInt(Integer::intValue).toArray();
        this.ratios = new double[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            ratios[i] = table.ratios(layers[i]).stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    private record Genome(int k, int[] genes) {
        Genome copy() {
            return new Genome(k, genes.clone());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Genome g && g.k == k && java.util.Arrays.equals(g.genes, genes);
        }

        @Override
        public int hashCode() {
            return 31 * k + java.util.Arrays.hashCode(genes);
        }
    }

    /**
     * Runs the search.
     *
     * @return the result; its {@code best} is infeasible only when no scheme evaluated fits (not even the head
     *     only)
     */
    public SearchResult run(Listener listener) {
        SplittableRandom rnd = new SplittableRandom(settings.seed());
        int p = settings.population();
        List<Genome> pop = new ArrayList<>();
        pop.add(new Genome(0, new int[layers.length]));
        pop.add(new Genome(table.baseWindow(), new int[layers.length]));
        while (pop.size() < p) {
            double density = rnd.nextDouble() * 0.3;
            int[] genes = new int[layers.length];
            for (int i = 0; i < genes.length; i++) {
                if (rnd.nextDouble() < density) {
                    genes[i] = 1 + rnd.nextInt(ratios[i].length);
                }
            }
            pop.add(new Genome(rnd.nextInt(table.baseWindow() + 1), genes));
        }
        ExecutorService pool = settings.threads() > 1 ? Executors.newFixedThreadPool(settings.threads(), r -> {
            Thread t = new Thread(r, "tinytrain-search");
            t.setDaemon(true);
            return t;
        }) : null;
        try {
            evaluate(pop, pool);
            listener.generation(0, settings.generations(), best(), seen.size());
            int elite = Math.max(2, p / 8);
            double geneRate = layers.length == 0 ? 0 : Math.min(1, 1.5 / layers.length);
            for (int g = 1; g <= settings.generations(); g++) {
                pop.sort(Comparator.comparing(this::score, rank));
                List<Genome> parents = pop.subList(0, Math.max(2, p / 2));
                List<Genome> next = new ArrayList<>(pop.subList(0, elite));
                List<Scheme> inNext = new ArrayList<>();
                for (Genome e : next) {
                    inNext.add(decode(e));
                }
                while (next.size() < p) {
                    Genome child = breed(parents, rnd, geneRate);
                    // a child already in the generation is mutated again (a few times): keeps the population diverse
                    for (int tries = 0; tries < 3 && inNext.contains(decode(child)); tries++) {
                        child = mutate(child, rnd, geneRate);
                    }
                    inNext.add(decode(child));
                    next.add(child);
                }
                pop = next;
                evaluate(pop, pool);
                listener.generation(g, settings.generations(), best(), seen.size());
            }
            polish(pool);
            listener.generation(settings.generations() + 1, settings.generations(), best(), seen.size());
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        return new SearchResult(best(), front(), seen.size(), settings.generations());
    }

    private Genome breed(List<Genome> parents, SplittableRandom rnd, double geneRate) {
        Genome a = tournament(parents, rnd);
        Genome child;
        if (rnd.nextBoolean()) {
            Genome b = tournament(parents, rnd);
            int[] genes = new int[layers.length];
            for (int i = 0; i < genes.length; i++) {
                genes[i] = rnd.nextBoolean() ? a.genes[i] : b.genes[i];
            }
            child = new Genome(rnd.nextBoolean() ? a.k : b.k, genes);
        } else {
            child = a.copy();
        }
        return mutate(child, rnd, geneRate);
    }

    private Genome mutate(Genome g, SplittableRandom rnd, double geneRate) {
        int k = g.k;
        if (rnd.nextDouble() < 0.3) {
            k = Math.max(0, Math.min(table.baseWindow(), k + rnd.nextInt(9) - 4));
        }
        int[] genes = g.genes.clone();
        for (int i = 0; i < genes.length; i++) {
            if (rnd.nextDouble() < geneRate) {
                // half the time one ratio step up or down (fine moves along the budget), else any value
                genes[i] = rnd.nextBoolean()
                        ? Math.max(0, Math.min(ratios[i].length, genes[i] + (rnd.nextBoolean() ? 1 : -1)))
                        : rnd.nextInt(ratios[i].length + 1);
            }
        }
        return new Genome(k, genes);
    }

    /**
     * Local search from the best genome: repeatedly takes the best feasible neighbour (one gene set to another
     * value, or k moved by one) while it improves. Neighbours are evaluated a sweep at a time.
     */
    private void polish(ExecutorService pool) {
        Genome cur = null;
        for (int round = 0; round < 4 * (layers.length + 1); round++) {
            ScoredScheme best = best();
            if (!best.feasible()) {
                return;
            }
            Genome start = encode(best.scheme());
            if (start.equals(cur)) {
                return;
            }
            cur = start;
            List<Genome> hood = new ArrayList<>();
            for (int dk : new int[] {-1, 1}) {
                int k = cur.k + dk;
                if (k >= 0 && k <= table.baseWindow()) {
                    hood.add(new Genome(k, cur.genes.clone()));
                }
            }
            for (int i = 0; i < layers.length; i++) {
                for (int v = 0; v <= ratios[i].length; v++) {
                    if (v != cur.genes[i]) {
                        int[] genes = cur.genes.clone();
                        genes[i] = v;
                        hood.add(new Genome(cur.k, genes));
                    }
                }
            }
            evaluate(hood, pool);
            if (best().scheme().equals(best.scheme())) {
                swap(cur, best, pool);
            }
        }
    }

    /**
     * The swap step of the local search: every genome that lowers or freezes one trained layer of {@code cur} and
     * changes one other gene. There are hundreds, and a memory cost is a compile while a prediction is a sum, so
     * only those predicted to gain more than {@code current} are costed, the highest prediction first, a batch at
     * a time, until one fits: that one is the best feasible swap (best-first, the predictions being exact).
     */
    private void swap(Genome cur, ScoredScheme current, ExecutorService pool) {
        List<Genome> swaps = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            for (int lower = 0; lower < cur.genes[i]; lower++) {
                for (int j = 0; j < layers.length; j++) {
                    for (int v = 0; v <= ratios[j].length; v++) {
                        if (j != i && v != cur.genes[j]) {
                            int[] genes = cur.genes.clone();
                            genes[i] = lower;
                            genes[j] = v;
                            swaps.add(new Genome(cur.k, genes));
                        }
                    }
                }
            }
        }
        record Candidate(Genome genome, double gain) {
        }
        List<Candidate> better = new ArrayList<>();
        java.util.Set<Scheme> listed = new java.util.HashSet<>();
        for (Genome g : swaps) {
            Scheme s = decode(g);
            double gain = table.predict(s);
            if (gain > current.gain() && listed.add(s)) {
                better.add(new Candidate(g, gain));
            }
        }
        // stable: equal predictions keep the enumeration order, so the result depends on the seed only
        better.sort(Comparator.comparingDouble(Candidate::gain).reversed());
        int batch = Math.max(4, settings.threads());
        for (int from = 0; from < better.size(); from += batch) {
            evaluate(better.subList(from, Math.min(better.size(), from + batch)).stream().map(Candidate::genome)
                    .toList(), pool);
            if (!best().scheme().equals(current.scheme())) {
                return;
            }
        }
    }

    /** The genome of a scheme (its exact bias window and ratios). */
    private Genome encode(Scheme s) {
        int[] genes = new int[layers.length];
        for (int i = 0; i < layers.length; i++) {
            Double r = s.weights().get(layers[i]);
            if (r != null) {
                genes[i] = java.util.Arrays.binarySearch(ratios[i], r) + 1;
            }
        }
        return new Genome(s.biasWindow(), genes);
    }

    private Genome tournament(List<Genome> parents, SplittableRandom rnd) {
        Genome a = parents.get(rnd.nextInt(parents.size()));
        Genome b = parents.get(rnd.nextInt(parents.size()));
        return rank.compare(score(a), score(b)) <= 0 ? a : b;
    }

    /** The scheme a genome stands for: k widened to cover its deepest trained weight. */
    private Scheme decode(Genome g) {
        TreeMap<Integer, Double> w = new TreeMap<>();
        int k = g.k;
        for (int i = 0; i < layers.length; i++) {
            if (g.genes[i] > 0) {
                w.put(layers[i], ratios[i][g.genes[i] - 1]);
                k = Math.max(k, table.convs() - layers[i]);
            }
        }
        return new Scheme(table.convs(), k, w);
    }

    private ScoredScheme score(Genome g) {
        return seen.get(decode(g));
    }

    /** Costs the schemes not seen yet, in parallel, recorded in list order. */
    private void evaluate(List<Genome> pop, ExecutorService pool) {
        List<Scheme> fresh = new ArrayList<>();
        for (Genome g : pop) {
            Scheme s = decode(g);
            if (!seen.containsKey(s) && !fresh.contains(s)) {
                fresh.add(s);
            }
        }
        List<SchemeCost> costs = new ArrayList<>();
        if (pool == null) {
            for (Scheme s : fresh) {
                costs.add(memory.cost(s.policy(settings.rule(), model)));
            }
        } else {
            List<Callable<SchemeCost>> jobs = fresh.stream()
                    .<Callable<SchemeCost>>map(s -> () -> memory.cost(s.policy(settings.rule(), model))).toList();
            try {
                for (Future<SchemeCost> f : pool.invokeAll(jobs)) {
                    costs.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("search interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("compiling a candidate failed: " + e.getCause(), e.getCause());
            }
        }
        for (int i = 0; i < fresh.size(); i++) {
            Scheme s = fresh.get(i);
            SchemeCost c = costs.get(i);
            seen.put(s, new ScoredScheme(s, table.predict(s), c, settings.fits(c)));
        }
    }

    /** The largest of cost / budget over SRAM, Flash and MACs (at most 1 when feasible). */
    private double overshoot(SchemeCost c) {
        double o = Math.max((double) c.sramTotalBytes() / settings.sramBudgetBytes(),
                (double) c.flashBytes() / settings.flashBudgetBytes());
        if (settings.backwardMacBudget() != Long.MAX_VALUE) {
            o = Math.max(o, settings.backwardMacBudget() == 0 ? (c.backwardMacs() > 0 ? Double.MAX_VALUE : 0)
                    : (double) c.backwardMacs() / settings.backwardMacBudget());
        }
        return o;
    }

    private final Comparator<ScoredScheme> rank = (a, b) -> {
        if (a.feasible() != b.feasible()) {
            return a.feasible() ? -1 : 1;
        }
        if (a.feasible()) {
            int c = Double.compare(b.gain(), a.gain());
            if (c != 0) {
                return c;
            }
            c = Long.compare(a.cost().sramTotalBytes(), b.cost().sramTotalBytes());
            return c != 0 ? c : a.scheme().describe().compareTo(b.scheme().describe());
        }
        int c = Double.compare(overshoot(a.cost()), overshoot(b.cost()));
        if (c != 0) {
            return c;
        }
        c = Double.compare(b.gain(), a.gain());
        return c != 0 ? c : a.scheme().describe().compareTo(b.scheme().describe());
    };

    private ScoredScheme best() {
        return seen.values().stream().min(rank).orElseThrow();
    }

    private List<ScoredScheme> front() {
        List<ScoredScheme> ok = new ArrayList<>();
        for (ScoredScheme s : seen.values()) {
            SchemeCost c = s.cost();
            boolean flashAndMacs = c.flashBytes() <= settings.flashBudgetBytes()
                    && c.backwardMacs() <= settings.backwardMacBudget();
            if (flashAndMacs) {
                ok.add(s);
            }
        }
        ok.sort(Comparator.comparingLong((ScoredScheme s) -> s.cost().sramTotalBytes())
                .thenComparing(Comparator.comparingDouble(ScoredScheme::gain).reversed())
                .thenComparing(s -> s.scheme().describe()));
        List<ScoredScheme> front = new ArrayList<>();
        double bestGain = Double.NEGATIVE_INFINITY;
        for (ScoredScheme s : ok) {
            if (s.gain() > bestGain) {
                front.add(s);
                bestGain = s.gain();
            }
        }
        return front;
    }
}
