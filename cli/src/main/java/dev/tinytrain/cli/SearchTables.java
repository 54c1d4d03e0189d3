package dev.tinytrain.cli;

import dev.tinytrain.pruning.Presets;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import dev.tinytrain.search.CompilerMemory;
import dev.tinytrain.search.ContributionEstimates;
import dev.tinytrain.search.ContributionTable;
import dev.tinytrain.search.Estimate;
import dev.tinytrain.search.FrontRemeasurement;
import dev.tinytrain.search.Scheme;
import dev.tinytrain.search.ScoredScheme;
import dev.tinytrain.search.SearchResult;
import dev.tinytrain.search.Shrinkage;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/** The tables {@code tinytrain search} prints on stdout: contributions, Pareto front, presets, measured schemes. */
final class SearchTables {
    private SearchTables() {
    }

    /** The contribution table: head accuracy, bias gains by window, weight gains by conv and ratio. */
    static void contributions(PrintWriter out, ContributionEstimates e, ContributionTable t, Shrinkage rule) {
        out.printf(Locale.ROOT, "head only: %.2f%% validation accuracy%n", t.headAccuracy());
        out.printf(Locale.ROOT, "gains in points: measured mean +- standard error -> used by the search (shrunk by"
                + " %s standard error(s)); noise of one paired difference: bias %.2f, weight %.2f points%n",
                Double.toString(rule.z()), e.biasNoise(), e.weightNoise());
        StringBuilder b = new StringBuilder("bias gain (last k convs):");
        e.biasGain().forEach((k, g) -> b.append(String.format(Locale.ROOT, " k%d %s", k, gainText(g, rule))));
        out.println(b);
        out.printf(Locale.ROOT, "weight gain over the last %d biases, by conv and ratio:%n", t.baseWindow());
        for (Map.Entry<Integer, NavigableMap<Double, Estimate>> w : e.weightGain().entrySet()) {
            StringBuilder l = new StringBuilder(String.format(Locale.ROOT, "  conv %2d:", w.getKey()));
            w.getValue().forEach((r, g) -> l.append(String.format(Locale.ROOT, "  %s %s", r, gainText(g, rule))));
            out.println(l);
        }
    }

    /** {@code +3.50+-1.20->+2.30}, or {@code +3.50} without a standard error. */
    private static String gainText(Estimate g, Shrinkage rule) {
        return g.hasStdErr() ? String.format(Locale.ROOT, "%+.2f+-%.2f->%+.2f", g.mean(), g.stdErr(), rule.apply(g))
                : String.format(Locale.ROOT, "%+.2f", g.mean());
    }

    /** The standard error, 0 with one seed (where it is undefined). */
    static double stdErrOrZero(FrontRemeasurement.Measured m) {
        return Double.isNaN(m.stdErr()) ? 0 : m.stdErr();
    }

    /** One measured scheme: marker, SRAM, predicted gain and accuracy, measured mean +- SE, scheme, per seed. */
    static void measured(PrintWriter out, String marker, FrontRemeasurement.Measured f,
                                      ContributionTable table) {
        ScoredScheme c = f.candidate();
        StringBuilder per = new StringBuilder();
        f.accuracies().forEach(a -> per.append(String.format(Locale.ROOT, " %.2f", a)));
        out.printf(Locale.ROOT, "%s %12s  %+8.2f  %8.2f%%  %7.2f%% +-%4.2f  %s [%s]%n", marker,
                String.format(Locale.ROOT, "%,d", c.cost().sramTotalBytes()), c.gain(), table.headAccuracy()
                        + c.gain(), f.mean(), stdErrOrZero(f), c.scheme().describe(), per.toString().strip());
    }

    /** The Pareto front, {@code !} marking the schemes over the SRAM budget. */
    static void front(PrintWriter out, SearchResult r, ContributionTable t, long budget) {
        out.printf(Locale.ROOT, "Pareto front (%d schemes evaluated): SRAM total against predicted gain%n",
                r.evaluated());
        out.printf(Locale.ROOT, "  %12s  %8s  %9s  %s%n", "SRAM B", "gain", "pred acc", "scheme");
        for (ScoredScheme s : r.front()) {
            out.printf(Locale.ROOT, "%s %12s  %+8.2f  %8.2f%%  %s%n", s.cost().sramTotalBytes() <= budget ? " " : "!",
                    String.format(Locale.ROOT, "%,d", s.cost().sramTotalBytes()), s.gain(), t.headAccuracy() + s.gain(),
                    s.scheme().describe());
        }
        out.println("  (! = over the SRAM budget)");
    }

    /** The presets written for this model whose every weight was measured, with their prediction and memory. */
    static void presets(PrintWriter out, ContributionTable t, CompilerMemory memory, String model) {
        for (String name : Presets.names()) {
            SparseUpdatePolicy p = Presets.get(name);
            if (p.target().isEmpty() || !p.target().get().model().equals(model)
                    || p.target().get().convs() != t.convs()) {
                continue;
            }
            Optional<Scheme> s = Scheme.of(p, t);
            out.printf(Locale.ROOT, "  preset %-14s SRAM %,9d B, %s%n", name, memory.cost(p).sramTotalBytes(),
                    s.map(x -> String.format(Locale.ROOT, "predicted %+.2f points (%s)", t.predict(x), x.describe()))
                            .orElse("not predictable: it trains a weight the analysis did not measure"));
        }
    }
}
