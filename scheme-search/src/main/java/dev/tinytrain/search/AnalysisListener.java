package dev.tinytrain.search;

/** Receives a contribution analysis's progress (the command prints it with an estimate of the time left). */
public interface AnalysisListener {
    /** Ignores everything. */
    AnalysisListener NONE = new AnalysisListener() {
    };

    /**
     * The analysis starts.
     *
     * @param total trials of the analysis
     * @param done trials already recorded (resumed), not run again
     */
    default void started(int total, int done) {
    }

    /**
     * A trial finished (on the thread that ran it; calls may come from several threads at once).
     *
     * @param record its record, already appended to the log
     * @param finished trials finished in this run so far, this one included
     * @param toRun trials this run has to run
     */
    default void trialFinished(TrialRecord record, int finished, int toRun) {
    }
}
