package dev.tinytrain.finetune;

/**
 * One test evaluation during fine-tuning.
 *
 * @param epoch the epoch it was made in (1-based; 0 = before training)
 * @param step training steps done in that epoch when it was made (= images of the epoch seen; 0 before training)
 * @param globalStep training steps done since the start (the plot's x axis)
 * @param correct test images predicted correctly (argmax of the logits, first index on ties)
 * @param total test images evaluated
 */
public record Evaluation(int epoch, int step, long globalStep, int correct, int total) {

    /** Test accuracy in percent. */
    public double testAccuracy() {
        return 100.0 * correct / total;
    }
}
