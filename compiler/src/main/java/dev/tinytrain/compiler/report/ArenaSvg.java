package dev.tinytrain.compiler.report;

import static dev.tinytrain.compiler.report.Units.bytes;
import static dev.tinytrain.compiler.report.Units.kb;

import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.MemoryReport.TensorEntry;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The arena over time as SVG: x = schedule step, y = arena offset (0 at the bottom), one {@code <rect
 * class="tensor">} per arena buffer coloured by kind, with a {@code <title>} tooltip (name, kind, bytes, offset,
 * steps, the values it also holds). Lines: the arena size, LOAD, and, when it is in view, the largest arena the
 * target's SRAM leaves room for; a strip under the plot shows the bytes live at each step (its peak is LOAD). Every other shape is a {@code <path>}, so the document
 * has exactly one {@code <rect>} per tensor.
 */
final class ArenaSvg {
    static final int WIDTH = 1280;
    static final int HEIGHT = 750;
    private static final double LEFT = 90;
    private static final double TOP = 84;
    private static final double PLOT_W = 880;
    private static final double PLOT_H = 480;
    private static final double LIVE_TOP = TOP + PLOT_H + 16;
    private static final double LIVE_H = 100;
    private static final double LEGEND_X = LEFT + PLOT_W + 36;
    /**
     * For a band region's workspace, what it holds: its line buffers, its fused expansions' scratch and the MACs
     * they recompute.
     */
    private static String bandTip(MemoryReport r, TensorEntry t) {
        StringBuilder sb = new StringBuilder();
        for (dev.tinytrain.compiler.BandRegionEntry b : r.bandRegions()) {
            if (!t.buffer().equals(b.node() + ".lines")) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%n%d line buffers of %d layers in bands of %d row(s)",
                    b.lineBuffers().size(), b.layers().size() + b.fused().size(), b.bandRows()));
            for (dev.tinytrain.compiler.BandRegionEntry.LineBuffer l : b.lineBuffers()) {
                if (!l.over().isEmpty()) {
                    sb.append(String.format(Locale.ROOT, "%n%s written over %s's dying row", l.tensor(), l.over()));
                }
            }
            for (dev.tinytrain.compiler.BandRegionEntry.FusedLayer f : b.fused()) {
                sb.append(String.format(Locale.ROOT, "%nfused %s into %s: %s B scratch (groups of %d channels)"
                        + " for %s B whole, %s recomputed MACs", f.expansion(), f.depthwise(),
                        bytes(f.scratchBytes()), f.group(), bytes(f.expandedBytes()), bytes(f.recomputedMacs())));
            }
        }
        return sb.toString();
    }

    /** Tableau 10: distinct, readable on white, and kind to most colour-blind readers. */
    static final Map<String, String> COLOURS = Map.of("input", "#9c9c9c", "activation", "#4e79a7", "mask",
            "#f28e2b", "gradient", "#e15759", "workspace", "#59a14f", "output", "#b07aa1", "band-lines", "#edc948",
            "stream-scratch", "#76b7b2");
    private static final String OTHER = "#bab0ac";
    private static final String FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

    private ArenaSvg() {
    }

    static String render(MemoryReport r) {
        int steps = Math.max(1, ReportFacts.steps(r));
        long[] live = ReportFacts.liveBytes(r);
        long peakLive = 0;
        for (long l : live) {
            peakLive = Math.max(peakLive, l);
        }
        long room = ReportFacts.arenaRoom(r);
        long top = Math.max(Math.max(r.arenaBytes(), r.lowerBoundBytes()), Math.max(peakLive, 1));
        boolean showRoom = room >= 0 && room <= top * 1.15;
        if (showRoom) {
            top = Math.max(top, room);
        }
        double yTick = niceStep(top / 1024.0, 8) * 1024; // ticks on whole KB
        long yMax = (long) (Math.ceil(top * 1.04 / yTick) * yTick);
        double xTick = niceStep(steps, 14);
        Scale s = new Scale(steps, yMax);

        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" %s font-size=\"13\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT, FONT));
        sb.append(String.format(Locale.ROOT, "<title>%s</title>%n", esc("arena of " + r.model() + ", scheme "
                + r.scheme() + ", target " + r.target())));
        sb.append(String.format(Locale.ROOT, "<path d=\"M0 0H%dV%dH0Z\" fill=\"#ffffff\"/>%n", WIDTH, HEIGHT));

        // title and the one-line summary
        sb.append(text(LEFT, 30, "start", 18, "bold", "#222", "Arena over time: " + r.model() + " · "
                + r.scheme() + " · " + r.target()));
        String summary = String.format(Locale.ROOT, "arena %s B (%s KB) · LOAD %s B · arena/LOAD %s · SRAM %s B "
                + "%s · Flash %s B", bytes(r.arenaBytes()), kb(r.arenaBytes()), bytes(r.lowerBoundBytes()),
                Units.ratio(Units.arenaToLowerBound(r.arenaBytes(), r.lowerBoundBytes())),
                bytes(r.sramTotalBytes()), budgetText(r.sramTotalBytes(), r.sramBudgetBytes()),
                bytes(r.flashBytes()));
        sb.append(text(LEFT, 54, "start", 14, "normal", "#333", summary));
        if (!r.fits()) {
            sb.append(text(LEFT + PLOT_W, 30, "end", 18, "bold", "#c0392b", "OVER BUDGET"));
        }

        // grid and ticks: the arena plot and, below it, the live-bytes strip share the step axis
        sb.append("<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
        for (double y = 0; y <= yMax + 0.5; y += yTick) {
            sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fH%.1f\"/>%n", LEFT, s.y(y), LEFT + PLOT_W));
        }
        for (double x = 0; x <= steps + 1e-9; x += xTick) {
            sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fV%.1f\"/>%n", s.x(x), TOP,
                    TOP + PLOT_H, s.x(x), LIVE_TOP, LIVE_TOP + LIVE_H));
        }
        sb.append("</g>\n");
        for (double y = 0; y <= yMax + 0.5; y += yTick) {
            sb.append(text(LEFT - 8, s.y(y) + 4, "end", 12, "normal", "#444", trim(y / 1024)));
        }
        for (double x = 0; x <= steps + 1e-9; x += xTick) {
            sb.append(text(s.x(x), LIVE_TOP + LIVE_H + 18, "middle", 12, "normal", "#444", trim(x)));
        }
        sb.append(text(LEFT + PLOT_W / 2, LIVE_TOP + LIVE_H + 44, "middle", 14, "bold", "#222",
                "schedule step (forward, loss, then backward with fused updates)"));
        sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"0\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
                + "text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">arena offset (KB)"
                + "</text>%n", LEFT - 56, TOP + PLOT_H / 2));

        // the tensors
        sb.append("<g stroke=\"#ffffff\" stroke-width=\"0.6\">\n");
        for (TensorEntry t : r.tensors()) {
            double x0 = s.x(t.firstStep());
            double x1 = s.x(t.lastStep() + 1);
            double y1 = s.y(t.offset());
            double y0 = s.y(t.offset() + t.bytes());
            double h = Math.max(2.0, y1 - y0); // tiny buffers (masks, workspaces) stay visible
            String stroke = h < 4 || x1 - x0 < 4 ? " stroke=\"none\"" : "";
            String others = ReportFacts.alsoHolds(t);
            String tip = String.format(Locale.ROOT, "%s (%s)%n%s B at offset %s..%s%nsteps %d..%d%s", t.buffer(),
                    t.kind(), bytes(t.bytes()), bytes(t.offset()), bytes(t.offset() + t.bytes()), t.firstStep(),
                    t.lastStep(), others.isEmpty() ? "" : "\nalso holds " + others) + bandTip(r, t);
            sb.append(String.format(Locale.ROOT, "<rect class=\"tensor\" data-kind=\"%s\" x=\"%.2f\" y=\"%.2f\" "
                    + "width=\"%.2f\" height=\"%.2f\" fill=\"%s\"%s><title>%s</title></rect>%n", esc(t.kind()), x0,
                    y1 - h, Math.max(0.5, x1 - x0), h, COLOURS.getOrDefault(t.kind(), OTHER), stroke, esc(tip)));
        }
        sb.append("</g>\n");

        // forward | backward: the step where the loss is computed
        r.tensors().stream().filter(t -> t.buffer().equals("loss")).findFirst().ifPresent(t -> {
            double x = s.x(t.firstStep());
            sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fV%.1f\" stroke=\"#555\" stroke-width=\"1\" "
                    + "stroke-dasharray=\"2 3\" fill=\"none\"/>%n", x, TOP - 4, LIVE_TOP + LIVE_H));
            sb.append(text(x - 6, TOP - 8, "end", 12, "normal", "#555", "◀ forward"));
            sb.append(text(x + 6, TOP - 8, "start", 12, "normal", "#555", "backward ▶"));
        });

        // arena, LOAD, room
        double ya = s.y(r.arenaBytes());
        double yl = s.y(r.lowerBoundBytes());
        sb.append(hline(ya, "#111", 2, null));
        if (r.arenaBytes() == r.lowerBoundBytes()) {
            sb.append(label(LEFT + PLOT_W - 6, ya - 6, "arena = LOAD = " + bytes(r.arenaBytes()) + " B"));
        } else {
            sb.append(hline(yl, "#111", 1.5, "7 4"));
            boolean close = Math.abs(ya - yl) < 16;
            sb.append(label(LEFT + PLOT_W - 6, ya - 6, "arena " + bytes(r.arenaBytes()) + " B"));
            sb.append(label(LEFT + PLOT_W - 6, close ? yl + 16 : yl - 6, "LOAD " + bytes(r.lowerBoundBytes())
                    + " B"));
        }
        if (showRoom) {
            double yr = s.y(room);
            sb.append(hline(yr, "#c0392b", 1.5, "3 3"));
            boolean close = Math.abs(yr - ya) < 16;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\" font-size=\"12\" "
                    + "fill=\"#c0392b\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">%s</text>%n",
                    LEFT + 6, close ? yr + 15 : yr - 6, esc("largest arena that fits " + r.target() + ": "
                    + bytes(room) + " B")));
        }
        sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fV%.1fH%.1f\" stroke=\"#222\" stroke-width=\"1.2\" "
                + "fill=\"none\"/>%n", LEFT, TOP, TOP + PLOT_H, LEFT + PLOT_W));

        liveStrip(sb, r, s, live, peakLive);
        legend(sb, r, showRoom);
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** The strip under the plot: bytes live at each step, as an area, with LOAD and the peak step marked. */
    private static void liveStrip(StringBuilder sb, MemoryReport r, Scale s, long[] live, long peakLive) {
        long max = Math.max(1, Math.max(peakLive, r.lowerBoundBytes()));
        java.util.function.DoubleUnaryOperator y = b -> LIVE_TOP + LIVE_H - b * (LIVE_H - 8) / max;
        if (live.length > 0) {
            StringBuilder d = new StringBuilder(String.format(Locale.ROOT, "M%.2f %.2f", s.x(0), y.applyAsDouble(0)));
            for (int i = 0; i < live.length; i++) {
                d.append(String.format(Locale.ROOT, "V%.2fH%.2f", y.applyAsDouble(live[i]), s.x(i + 1)));
            }
            d.append(String.format(Locale.ROOT, "V%.2fZ", y.applyAsDouble(0)));
            sb.append(String.format(Locale.ROOT, "<path class=\"live\" d=\"%s\" fill=\"#cfd8e3\" stroke=\"#3b4a5a\" "
                    + "stroke-width=\"1\" stroke-linejoin=\"round\"><title>bytes live at each step (peak %s B)"
                    + "</title></path>%n", d, bytes(peakLive)));
        }
        double yl = y.applyAsDouble(r.lowerBoundBytes());
        sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.2fH%.1f\" stroke=\"#111\" stroke-width=\"1.2\" "
                + "stroke-dasharray=\"7 4\" fill=\"none\"/>%n", LEFT, yl, LEFT + PLOT_W));
        int peak = ReportFacts.peakStep(live);
        if (peak >= 0) {
            double px = s.x(peak + 0.5);
            double yp = y.applyAsDouble(peakLive);
            sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fl-5 -8h10Z\" fill=\"#111\"/>%n", px, yp - 2));
            boolean right = px < LEFT + PLOT_W - 110;
            sb.append(text(right ? px + 9 : px - 9, yp - 4, right ? "start" : "end", 11, "normal", "#111",
                    "peak at step " + peak));
        }
        sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fV%.1fH%.1f\" stroke=\"#222\" stroke-width=\"1.2\" "
                + "fill=\"none\"/>%n", LEFT, LIVE_TOP, LIVE_TOP + LIVE_H, LEFT + PLOT_W));
        sb.append(text(LEFT - 8, LIVE_TOP + LIVE_H + 4, "end", 12, "normal", "#444", "0"));
        sb.append(text(LEFT - 8, yl + 4, "end", 12, "normal", "#444", trim(Math.round(r.lowerBoundBytes() / 102.4)
                / 10.0)));
        sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"0\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
                + "text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\" fill=\"#222\">live (KB)</text>%n",
                LEFT - 56, LIVE_TOP + LIVE_H / 2));
    }

    private static void legend(StringBuilder sb, MemoryReport r, boolean showRoom) {
        double x = LEGEND_X;
        double y = TOP + 6;
        sb.append(text(x, y, "start", 14, "bold", "#222", "tensor kind"));
        y += 12;
        for (Map.Entry<String, long[]> e : ReportFacts.byKind(r).entrySet()) {
            long n = e.getValue()[0];
            String colour = COLOURS.getOrDefault(e.getKey(), OTHER);
            sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fh16v16h-16Z\" fill=\"%s\"/>%n", x, y,
                    colour));
            sb.append(text(x + 24, y + 13, "start", 13, "normal", n == 0 ? "#999" : "#222", e.getKey() + " ("
                    + n + ")"));
            y += 24;
        }
        y += 14;
        sb.append(text(x, y, "start", 14, "bold", "#222", "lines"));
        y += 10;
        y = legendLine(sb, x, y, "#111", 2, null, "arena size");
        y = legendLine(sb, x, y, "#111", 1.5, "7 4", "LOAD (lower bound)");
        y = legendLine(sb, x, y, "#cfd8e3", 8, null, "bytes live (lower strip)");
        if (showRoom) {
            y = legendLine(sb, x, y, "#c0392b", 1.5, "3 3", "arena room in SRAM");
        }
        y += 18;
        sb.append(text(x, y, "start", 14, "bold", "#222", "memory"));
        List<String> lines = List.of(
                "arena " + bytes(r.arenaBytes()) + " B",
                "LOAD " + bytes(r.lowerBoundBytes()) + " B",
                "SRAM " + bytes(r.sramTotalBytes()) + " B",
                "  " + budgetText(r.sramTotalBytes(), r.sramBudgetBytes()),
                "Flash " + bytes(r.flashBytes()) + " B",
                "  " + budgetText(r.flashBytes(), r.flashBudgetBytes()),
                r.fits() ? "fits " + r.target() : "does NOT fit " + r.target());
        for (int i = 0; i < lines.size(); i++) {
            y += 19;
            boolean last = i == lines.size() - 1;
            sb.append(text(x, y, "start", 13, last ? "bold" : "normal", last && !r.fits() ? "#c0392b" : "#222",
                    lines.get(i)));
        }
        y += 28;
        sb.append(text(x, y, "start", 11, "normal", "#666", "hover a block for its name,"));
        sb.append(text(x, y + 15, "start", 11, "normal", "#666", "bytes and live steps"));
    }

    private static double legendLine(StringBuilder sb, double x, double y, String colour, double width, String dash,
            String label) {
        sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fh22\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n",
                x - 3, y + 10, colour, width, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
        sb.append(text(x + 24, y + 14, "start", 13, "normal", "#222", label));
        return y + 22;
    }

    private static String hline(double y, String colour, double width, String dash) {
        return String.format(Locale.ROOT, "<path d=\"M%.1f %.2fH%.1f\" stroke=\"%s\" stroke-width=\"%.1f\" "
                + "fill=\"none\"%s/>%n", LEFT, y, LEFT + PLOT_W, colour, width,
                dash == null ? "" : " stroke-dasharray=\"" + dash + "\"");
    }

    private static String label(double x, double y, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\" "
                + "font-weight=\"bold\" fill=\"#111\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">"
                + "%s</text>%n", x, y, esc(s));
    }

    private static String text(double x, double y, String anchor, int size, String weight, String fill, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s "
                + "fill=\"%s\">%s</text>%n", x, y, anchor, size, weight.equals("bold") ? " font-weight=\"bold\"" : "",
                fill, esc(s));
    }

    private static String budgetText(long need, long budget) {
        if (budget == Units.UNBOUNDED) {
            return "(no budget)";
        }
        return "of " + bytes(budget) + " B (" + Units.percent(need, budget) + ")";
    }

    /** A step of 1, 2 or 5 times a power of ten giving about {@code maxTicks} ticks (10% slack) over {@code range}. */
    static double niceStep(double range, int maxTicks) {
        double raw = Math.max(range, 1e-9) / maxTicks;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p * 1.1 >= raw) { // a little slack: 160.003 KB still gets 20 KB ticks
                return Math.max(1, m * p);
            }
        }
        return Math.max(1, 10 * p);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Escapes text for XML content and attribute values. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        sb.append(' ');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** Steps and bytes to pixels. */
    private record Scale(int steps, long yMax) {
        double x(double step) {
            return LEFT + step * PLOT_W / steps;
        }

        double y(double bytes) {
            return TOP + PLOT_H - bytes * PLOT_H / yMax;
        }
    }
}
