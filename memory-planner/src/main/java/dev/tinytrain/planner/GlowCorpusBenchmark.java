package dev.tinytrain.planner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plans every model of the Glow allocator corpus and compares the arena with Glow's {@code MEM} and with
 * the lower bound.
 *
 * <p>Usage: {@code GlowCorpusBenchmark [corpus-file [strategy,strategy,...]]}; defaults: {@link
 * GlowCorpus#defaultPath()} and all {@linkplain PlacementStrategies#standard() standard strategies}.
 */
public final class GlowCorpusBenchmark {

    /**
     * The result on one model.
     *
     * @param model model name
     * @param buffers number of buffers
     * @param arenaBytes our arena
     * @param lowerBound LOAD
     * @param glowMemBytes Glow's {@code MEM}
     * @param strategy the strategy whose placement was kept
     */
    public record Row(String model, int buffers, long arenaBytes, long lowerBound, long glowMemBytes,
            String strategy) {

        /** @return our arena / Glow's MEM (1.0 if MEM is 0) */
        public double ratioToGlow() {
            return glowMemBytes == 0 ? 1.0 : (double) arenaBytes / glowMemBytes;
        }

        /** @return LOAD / our arena (1.0 for an empty arena) */
        public double efficiency() {
            return arenaBytes == 0 ? 1.0 : (double) lowerBound / arenaBytes;
        }

        /** @return {@code true} iff our arena equals the lower bound */
        public boolean reachesLowerBound() {
            return arenaBytes == lowerBound;
        }
    }

    private GlowCorpusBenchmark() {
    }

    /**
     * Plans every model (each placement is verified by {@link MemoryPlanner}).
     *
     * @param models the corpus
     * @param strategies the strategies to try
     * @return one row per model, in corpus order
     */
    public static List<Row> run(List<GlowModel> models, List<? extends PlacementStrategy> strategies) {
        List<Row> rows = new ArrayList<>();
        for (GlowModel m : models) {
            PlanResult r = MemoryPlanner.plan(m.buffers(), m.alignment(), strategies);
            rows.add(new Row(m.name(), m.buffers().size(), r.arenaBytes(), r.lowerBound(), m.glowMemBytes(),
                    r.placement().strategy()));
        }
        return List.copyOf(rows);
    }

    /**
     * Formats the rows as an aligned text table with a totals row and a summary line.
     *
     * @param rows the benchmark rows
     * @return the table, lines separated by {@code \n}
     */
    public static String format(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"model", "buffers", "arena", "LOAD", "glow MEM", "ours/MEM", "efficiency",
            "strategy"});
        long buffers = 0;
        long arena = 0;
        long load = 0;
        long mem = 0;
        int atBound = 0;
        int notWorse = 0;
        for (Row r : rows) {
            cells.add(new String[] {r.model(), Long.toString(r.buffers()), Long.toString(r.arenaBytes()),
                Long.toString(r.lowerBound()), Long.toString(r.glowMemBytes()), ratio(r.ratioToGlow()),
                ratio(r.efficiency()), r.strategy()});
            buffers += r.buffers();
            arena += r.arenaBytes();
            load += r.lowerBound();
            mem += r.glowMemBytes();
            atBound += r.reachesLowerBound() ? 1 : 0;
            notWorse += r.arenaBytes() <= r.glowMemBytes() ? 1 : 0;
        }
        Row total = new Row("TOTAL (" + rows.size() + " models)", (int) buffers, arena, load, mem, "");
        cells.add(new String[] {total.model(), Long.toString(buffers), Long.toString(arena),
            Long.toString(load), Long.toString(mem), ratio(total.ratioToGlow()), ratio(total.efficiency()), ""});

        int columns = cells.get(0).length;
        int[] width = new int[columns];
        for (String[] row : cells) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < cells.size(); r++) {
            if (r == 1 || r == cells.size() - 1) {
                appendRule(out, width);
            }
            String[] row = cells.get(r);
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                if (c > 0) {
                    line.append("  ");
                }
                boolean leftAligned = c == 0 || c == columns - 1;
                line.append(leftAligned ? pad(row[c], width[c], false) : pad(row[c], width[c], true));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        out.append(String.format(Locale.ROOT, "%d of %d models reach the lower bound; %d of %d are <= Glow's MEM%n",
                atBound, rows.size(), notWorse, rows.size()));
        return out.toString();
    }

    private static void appendRule(StringBuilder out, int[] width) {
        int total = 2 * (width.length - 1);
        for (int w : width) {
            total += w;
        }
        out.append("-".repeat(total)).append('\n');
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(width - s.length());
        return right ? fill + s : s + fill;
    }

    private static String ratio(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    /**
     * Prints the benchmark table to standard output.
     *
     * @param args optional corpus file, optional comma-separated strategy names
     * @throws IOException if the corpus cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path corpus = args.length > 0 ? Paths.get(args[0]) : GlowCorpus.defaultPath();
        if (!Files.isRegularFile(corpus)) {
            System.err.println("Glow allocator corpus not found at " + corpus.toAbsolutePath()
                    + " (pass the file as first argument or set -D" + GlowCorpus.SHARED_PROPERTY + ")");
            System.exit(2);
            return;
        }
        List<PlacementStrategy> strategies = args.length > 1
                ? PlacementStrategies.standard().select(args[1])
                : PlacementStrategies.standard().all();
        List<GlowModel> models = GlowCorpus.parse(corpus);
        System.out.print(format(run(models, strategies)));
    }
}
