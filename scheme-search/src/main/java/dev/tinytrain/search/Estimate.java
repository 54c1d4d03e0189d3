package dev.tinytrain.search;

/**
 * One measured contribution: the mean over the repeats of paired accuracy differences, in points, with its
 * standard error.
 *
 * @param mean mean gain over the repeats (points)
 * @param stdErr standard error of {@code mean}: the pooled standard deviation of one paired difference (over every
 *     contribution of the same kind, see {@link ContributionEstimates}) over the square root of the repeats; NaN
 *     when there is a single repeat (no estimate of the noise)
 * @param repeats repeats averaged
 */
public record Estimate(double mean, double stdErr, int repeats) {
    /** Validates. */
    public Estimate {
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("gain must be finite, got " + mean);
        }
        if (!(Double.isNaN(stdErr) || stdErr >= 0)) {
            throw new IllegalArgumentException("standard error must be >= 0 or NaN, got " + stdErr);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
    }

    /** True when the standard error is known (two repeats or more). */
    public boolean hasStdErr() {
        return !Double.isNaN(stdErr);
    }
}
