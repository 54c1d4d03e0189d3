package dev.tinytrain.finetune;

import java.util.List;
import java.util.OptionalDouble;

/**
 * What a fine-tuning run measured.
 *
 * @param initial the evaluation before the first step (epoch 0, step 0), or null when it was skipped
 * @param evaluations every evaluation during training, in order (after every K steps of an epoch and at the end
 *     of each epoch; an end of epoch that falls on a multiple of K is evaluated once)
 * @param epochMeanLoss mean training loss of each epoch (over its finite losses)
 * @param nonFiniteLosses training steps whose loss was NaN or infinite
 * @param steps training steps run
 * @param trainNanos wall time spent inside {@code trainStep}, summed
 * @param inferences test images evaluated, summed over all evaluations
 * @param evalNanos wall time spent evaluating, summed
 */
public record FinetuneResult(Evaluation initial, List<Evaluation> evaluations, double[] epochMeanLoss,
                             long nonFiniteLosses, long steps, long trainNanos, long inferences, long evalNanos) {

    /** Copies the list. */
    public FinetuneResult {
        evaluations = List.copyOf(evaluations);
        epochMeanLoss = epochMeanLoss.clone();
    }

    /** The last evaluation (at the end of the last epoch). */
    public Evaluation last() {
        return evaluations.get(evaluations.size() - 1);
    }

    /** Test accuracy in % after the last step. */
    public double finalTestAccuracy() {
        return last().testAccuracy();
    }

    /** Mean wall time of one training step in milliseconds. */
    public double msPerStep() {
        return steps == 0 ? 0 : trainNanos / 1e6 / steps;
    }

    /** Mean wall time of one test inference in milliseconds (wall time of an evaluation / its images). */
    public double msPerInference() {
        return inferences == 0 ? 0 : evalNanos / 1e6 / inferences;
    }

    /**
     * Mean test accuracy in % of the evaluations made during {@code epoch} (the protocol's "checkpoint mean" for
     * epoch 3), or empty when there were none.
     */
    public OptionalDouble checkpointMean(int epoch) {
        return evaluations.stream().filter(e -> e.epoch() == epoch).mapToDouble(Evaluation::testAccuracy).average();
    }

    /** Number of evaluations made during {@code epoch}. */
    public long checkpoints(int epoch) {
        return evaluations.stream().filter(e -> e.epoch() == epoch).count();
    }
}
