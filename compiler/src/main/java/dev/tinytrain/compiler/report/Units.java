package dev.tinytrain.compiler.report;

import java.util.Locale;

/** Number formatting shared by the writers (Locale.ROOT: the same output on every machine). */
public final class Units {
    /** The value MemoryReport uses for "no budget" (the host target). */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    private Units() {
    }

    /** {@code 163,844}. */
    public static String bytes(long b) {
        return String.format(Locale.ROOT, "%,d", b);
    }

    /** KiB with one decimal: {@code 160.0} (1 KB = 1,024 B, as TTE's figures and the targets use). */
    public static String kb(long b) {
        return String.format(Locale.ROOT, "%.1f", b / 1024.0);
    }

    /** A ratio with four decimals: {@code 1.0000}. */
    public static String ratio(double r) {
        return String.format(Locale.ROOT, "%.4f", r);
    }

    /** A share in percent with one decimal: {@code 75.1%}. */
    public static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    /** arena / LOAD (1 for an empty arena). */
    public static double arenaToLowerBound(long arena, long lowerBound) {
        return lowerBound == 0 ? 1.0 : (double) arena / lowerBound;
    }
}
