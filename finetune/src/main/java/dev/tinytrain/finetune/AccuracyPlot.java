package dev.tinytrain.finetune;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An SVG line chart of test accuracy (%) over training steps: one point per evaluation (the one before training
 * at step 0 when it was made), dashed lines at epoch boundaries, the y axis from 0 to 100. Self-contained (no
 * scripts, no external fonts), viewable in any browser.
 */
public final class AccuracyPlot {
    private static final int W = 760;
    private static final int H = 440;
    private static final int LEFT = 64;
    private static final int RIGHT = 24;
    private static final int TOP = 48;
    private static final int BOTTOM = 56;

    private AccuracyPlot() {
    }

    /**
     * The chart of a run.
     *
     * @param title the title (escaped here)
     * @param result the run
     * @param stepsPerEpoch training images per epoch (for the epoch lines)
     */
    public static String svg(String title, FinetuneResult result, long stepsPerEpoch) {
        List<Evaluation> pts = new ArrayList<>();
        if (result.initial() != null) {
            pts.add(result.initial());
        }
        pts.addAll(result.evaluations());
        long maxX = Math.max(1, result.steps());
        double pw = W - LEFT - RIGHT;
        double ph = H - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                LEFT, escape(title)));
        for (int a = 0; a <= 100; a += 10) {
            double y = TOP + ph * (1 - a / 100.0);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>%n",
                    LEFT, y, W - RIGHT, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>%n", LEFT - 6,
                    y + 4, a));
        }
        long tick = niceTick(maxX);
        for (long x = 0; x <= maxX; x += tick) {
            double px = LEFT + pw * x / maxX;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%,d</text>%n", px,
                    H - BOTTOM + 18, x));
        }
        if (stepsPerEpoch > 0) {
            for (long x = stepsPerEpoch; x < maxX; x += stepsPerEpoch) {
                double px = LEFT + pw * x / maxX;
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\""
                        + " stroke-dasharray=\"4 4\"/>%n", px, TOP, px, TOP + ph));
            }
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\""
                + " stroke=\"#333\"/>%n", LEFT, TOP, pw, ph));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">training steps (batch 1)"
                + "</text>%n", LEFT + pw / 2, H - 16));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16"
                + " %.1f)\">test accuracy (%%)</text>%n", TOP + ph / 2, TOP + ph / 2));
        StringBuilder line = new StringBuilder();
        for (Evaluation e : pts) {
            double px = LEFT + pw * e.globalStep() / maxX;
            double py = TOP + ph * (1 - e.testAccuracy() / 100.0);
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        }
        s.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"").append(line.toString().strip())
                .append("\"/>\n");
        for (Evaluation e : pts) {
            double px = LEFT + pw * e.globalStep() / maxX;
            double py = TOP + ph * (1 - e.testAccuracy() / 100.0);
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\"><title>epoch %d"
                    + " step %d: %.2f%%</title></circle>%n", px, py, e.epoch(), e.step(), e.testAccuracy()));
        }
        Evaluation last = result.last();
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"40\" text-anchor=\"end\">final %.2f%%</text>%n",
                W - RIGHT, last.testAccuracy()));
        s.append("</svg>\n");
        return s.toString();
    }

    private static long niceTick(long max) {
        double raw = max / 8.0;
        double mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * mag >= raw) {
                return Math.max(1, Math.round(m * mag));
            }
        }
        return Math.max(1, Math.round(10 * mag));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
