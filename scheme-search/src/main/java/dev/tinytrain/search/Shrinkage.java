package dev.tinytrain.search;

/**
 * How measured gains are shrunk towards zero by their noise before the search sums them: a soft threshold of
 * {@code z} standard errors, {@code sign(g) * max(0, |g| - z * SE)}. A gain within {@code z} standard errors of
 * zero is dropped (0), a larger one loses {@code z} standard errors.
 *
 * <p>Why: the search maximises a sum of gains over many layers and ratios, so it selects the gains whose noise
 * happened to be positive (the "winner's curse"). With pure noise of standard error s, each gain the unshrunk sum
 * can pick adds on average 0.40 s; after a threshold of 1 s, 0.08 s; of 2 s, 0.01 s. Real gains of several
 * standard errors survive, smaller by {@code z} standard errors, which leaves their order unchanged. A gain without
 * a standard error (a single repeat) is used as measured.
 *
 * @param z the threshold in standard errors, >= 0 (0: gains used as measured)
 */
public record Shrinkage(double z) {
    /** Gains used as measured. */
    public static final Shrinkage NONE = new Shrinkage(0);
    /** The default threshold: one standard error. */
    public static final double DEFAULT_Z = 1.0;

    /** Validates. */
    public Shrinkage {
        if (!(z >= 0) || Double.isInfinite(z)) {
            throw new IllegalArgumentException("shrinkage must be a finite number of standard errors >= 0, got " + z);
        }
    }

    /** The gain the search uses for {@code e}. */
    public double apply(Estimate e) {
        if (!e.hasStdErr() || z == 0) {
            return e.mean();
        }
        double kept = Math.max(0, Math.abs(e.mean()) - z * e.stdErr());
        return kept == 0 ? 0 : Math.copySign(kept, e.mean());
    }
}
