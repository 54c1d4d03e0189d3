package dev.tinytrain.cli;

import dev.tinytrain.finetune.Evaluation;
import dev.tinytrain.finetune.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: steps done, steps/s since the previous status line, an exponential moving average of the
 * training loss (weight 1/100 per step), and the estimated time left at the average pace since the first step
 * (evaluations included); one line per test evaluation. On a terminal the status line is rewritten in place about twice a second; otherwise a status line
 * is printed every {@code 30 s}.
 */
public final class ConsoleProgress implements ProgressListener {
    private static final double EMA = 0.01;
    private final PrintStream err;
    private final boolean tty;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private long lastPrintStep;
    private long firstStepNanos;
    private long firstStep = -1;
    private double lossEma = Double.NaN;
    private boolean dirty;

    /** Progress to {@code err}; {@code tty} chooses in-place updates. */
    public ConsoleProgress(PrintStream err, boolean tty) {
        this.err = err;
        this.tty = tty;
        this.intervalNanos = tty ? 500_000_000L : 30_000_000_000L;
    }

    /** Progress to {@code System.err}, in place when a console is attached. */
    public static ConsoleProgress stderr() {
        return new ConsoleProgress(System.err, System.console() != null);
    }

    @Override
    public void step(int epoch, int step, long globalStep, long totalSteps, float loss) {
        if (Float.isFinite(loss)) {
            lossEma = Double.isNaN(lossEma) ? loss : (1 - EMA) * lossEma + EMA * loss;
        }
        long now = System.nanoTime();
        if (firstStep < 0) {
            firstStep = globalStep;
            firstStepNanos = now;
            lastPrint = now;
            lastPrintStep = globalStep;
            return;
        }
        if (now - lastPrint >= intervalNanos || globalStep == totalSteps) {
            double secs = (now - start) / 1e9;
            double rate = (globalStep - lastPrintStep) / Math.max((now - lastPrint) / 1e9, 1e-9);
            double pace = (now - firstStepNanos) / 1e9 / Math.max(1, globalStep - firstStep);
            double eta = (totalSteps - globalStep) * pace;
            lastPrint = now;
            lastPrintStep = globalStep;
            String line = String.format(Locale.ROOT, "epoch %d step %,d  [%,d/%,d %.1f%%]  %.1f steps/s  loss(ema) %.4f"
                            + "  elapsed %s  eta %s", epoch, step, globalStep, totalSteps, 100.0 * globalStep / totalSteps,
                    rate, lossEma, time(secs), time(eta));
            if (tty) {
                err.print("\r" + line + "\u001b[K");
                dirty = true;
            } else {
                err.println(line);
            }
            err.flush();
        }
    }

    @Override
    public void evaluated(Evaluation e, long totalSteps) {
        if (dirty) {
            err.println();
            dirty = false;
        }
        err.printf(Locale.ROOT, "eval  epoch %d step %,d (global %,d): test accuracy %.2f%% (%,d/%,d)  [%s]%n",
                e.epoch(), e.step(), e.globalStep(), e.testAccuracy(), e.correct(), e.total(),
                time((System.nanoTime() - start) / 1e9));
        err.flush();
    }

    static String time(double secs) {
        if (!Double.isFinite(secs)) {
            return "?";
        }
        long s = Math.round(secs);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
