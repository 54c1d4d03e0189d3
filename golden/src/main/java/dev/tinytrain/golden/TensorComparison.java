package dev.tinytrain.golden;

import java.util.Locale;

/**
 * The comparison of one golden tensor with what tinytrain computed.
 *
 * @param name tensor name
 * @param dtype golden dtype
 * @param shape golden shape, as stored
 * @param maxAbsDiff largest absolute difference
 * @param mismatches elements outside the tolerance
 * @param count elements compared
 * @param tolerance description of the criterion (e.g. {@code exact}, {@code abs<=1e-5})
 * @param produced false when tinytrain does not produce this tensor (not counted as pass or fail)
 */
public record TensorComparison(String name, String dtype, String shape, double maxAbsDiff, long mismatches,
                               long count, String tolerance, boolean produced) {

    /** True when produced and within tolerance. */
    public boolean passed() {
        return produced && mismatches == 0;
    }

    /** A tensor tinytrain does not compute. */
    public static TensorComparison notProduced(GoldenTensor t) {
        return new TensorComparison(t.name(), t.dtype(), t.shape().toString(), 0, 0, t.count(), "-", false);
    }

    /** Exact comparison of int8 data (both in the same element order). */
    public static TensorComparison exactInt8(GoldenTensor t, byte[] expected, byte[] actual) {
        if (expected.length != actual.length) {
            return new TensorComparison(t.name(), t.dtype(), t.shape().toString(), Double.POSITIVE_INFINITY,
                    expected.length, expected.length, "exact", true);
        }
        long bad = 0;
        int max = 0;
        for (int i = 0; i < expected.length; i++) {
            int d = Math.abs(expected[i] - actual[i]);
            if (d != 0) {
                bad++;
                max = Math.max(max, d);
            }
        }
        return new TensorComparison(t.name(), t.dtype(), t.shape().toString(), max, bad, expected.length, "exact",
                true);
    }

    /** Elementwise comparison of float32 data within an absolute tolerance. */
    public static TensorComparison absolute(GoldenTensor t, float[] expected, float[] actual, double tol) {
        if (expected.length != actual.length) {
            return new TensorComparison(t.name(), t.dtype(), t.shape().toString(), Double.POSITIVE_INFINITY,
                    expected.length, expected.length, "shape", true);
        }
        long bad = 0;
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= tol)) {
                bad++;
            }
            max = Math.max(max, d);
        }
        return new TensorComparison(t.name(), t.dtype(), t.shape().toString(), max, bad, expected.length,
                String.format(Locale.ROOT, "abs<=%.3g", tol), true);
    }

    /** Comparison of one float32 scalar within a relative tolerance. */
    public static TensorComparison relative(GoldenTensor t, float expected, float actual, double rel) {
        double d = Math.abs((double) expected - actual);
        boolean ok = d <= rel * Math.abs(expected);
        return new TensorComparison(t.name(), t.dtype(), t.shape().toString(), d, ok ? 0 : 1, 1,
                String.format(Locale.ROOT, "rel<=%.1g", rel), true);
    }

    /** One report line: status, name, dtype, shape, max abs difference, mismatching elements. */
    public String line() {
        String status = !produced ? "SKIP" : passed() ? "PASS" : "FAIL";
        return String.format(Locale.ROOT, "%-4s %-52s %-7s %-18s max|diff|=%-12s mismatches=%d/%d (%s)", status, name,
                dtype, shape, produced ? fmt(maxAbsDiff) : "-", mismatches, count,
                produced ? tolerance : "not produced by this graph");
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e9 ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.3g", d);
    }
}
