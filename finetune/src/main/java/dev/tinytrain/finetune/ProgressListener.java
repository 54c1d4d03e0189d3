package dev.tinytrain.finetune;

/** Receives the trainer's progress (the command prints it on stderr; tests ignore it). */
public interface ProgressListener {
    /** Ignores everything. */
    ProgressListener NONE = new ProgressListener() {
    };

    /** A training step finished. */
    default void step(int epoch, int step, long globalStep, long totalSteps, float loss) {
    }

    /** An evaluation finished. */
    default void evaluated(Evaluation e, long totalSteps) {
    }
}
