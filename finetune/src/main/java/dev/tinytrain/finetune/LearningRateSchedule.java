package dev.tinytrain.finetune;

import java.util.Locale;

/**
 * A learning-rate schedule: the factor step {@code step} (0-based, counted over the whole run) multiplies every
 * compiled learning rate by. Finetuning passes it to {@code TrainingSession.trainStep(input, label, scale)}, which
 * uses {@code fl32(lr * scale)} for every update (the C runtime's {@code tt_set_lr_scale} gives the same bits), so
 * a schedule only chooses floats; the compiled step stays one program.
 *
 * <p>The factors are computed with {@link StrictMath}: the same floats on every JVM.
 */
public sealed interface LearningRateSchedule {

    /** The factor of step {@code step} (0-based); finite and >= 0. */
    float scale(long step);

    /** The schedule's name on the command line and in the results JSON ({@code constant}, {@code cosine}). */
    String name();

    /** The compiled rates at every step (factor 1: the same bits as without a schedule). */
    static LearningRateSchedule constant() {
        return Constant.INSTANCE;
    }

    /** See {@link Cosine}. */
    static LearningRateSchedule cosine(long warmupSteps, long totalSteps, double minFraction) {
        return new Cosine(warmupSteps, totalSteps, minFraction);
    }

    /** Factor 1 at every step. */
    record Constant() implements LearningRateSchedule {
        private static final Constant INSTANCE = new Constant();

        @Override
        public float scale(long step) {
            return 1.0f;
        }

        @Override
        public String name() {
            return "constant";
        }
    }

    /**
     * Linear warm-up, then cosine decay: steps {@code 0 .. warmupSteps-1} ramp linearly as
     * {@code (step + 1) / (warmupSteps + 1)} (never 0, strictly below 1); step {@code warmupSteps} has factor 1
     * and the factor then follows half a cosine down to {@code minFraction}, reached at the last step
     * {@code totalSteps - 1} and kept after it.
     *
     * @param warmupSteps steps of linear warm-up (0 = start at 1)
     * @param totalSteps steps of the run
     * @param minFraction the final factor, in [0, 1]
     */
    record Cosine(long warmupSteps, long totalSteps, double minFraction) implements LearningRateSchedule {
        /** Validates. */
        public Cosine {
            if (totalSteps < 1) {
                throw new IllegalArgumentException("cosine schedule: total steps must be >= 1, got " + totalSteps);
            }
            if (warmupSteps < 0 || warmupSteps >= totalSteps) {
                throw new IllegalArgumentException("cosine schedule: warm-up steps must be in [0, " + totalSteps
                        + "), got " + warmupSteps);
            }
            if (!(minFraction >= 0 && minFraction <= 1)) {
                throw new IllegalArgumentException("cosine schedule: min fraction must be in [0, 1], got "
                        + minFraction);
            }
        }

        @Override
        public float scale(long step) {
            if (step < 0) {
                throw new IllegalArgumentException("step must be >= 0, got " + step);
            }
            if (step < warmupSteps) {
                return (float) ((step + 1) / (double) (warmupSteps + 1));
            }
            long decaySteps = totalSteps - 1 - warmupSteps;
            double progress = decaySteps == 0 ? 0 : Math.min(1.0, (step - warmupSteps) / (double) decaySteps);
            return (float) (minFraction + (1 - minFraction) * 0.5 * (1 + StrictMath.cos(Math.PI * progress)));
        }

        @Override
        public String name() {
            return "cosine";
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "cosine(warmup %d, total %d, min %s)", warmupSteps, totalSteps,
                    minFraction);
        }
    }
}
