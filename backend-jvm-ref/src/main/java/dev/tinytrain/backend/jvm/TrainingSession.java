package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.planner.ArenaLayout;
import java.util.List;

/**
 * On-device training on the JVM: one training step per call ({@link #trainStep}) and inference
 * ({@link #infer}), both generated classes running on one arena laid out by the given {@link ArenaLayout} and
 * sharing the parameter arrays, which the step updates in place.
 */
public final class TrainingSession {
    private final TrainingGraph training;
    private final JvmProgram step;
    private final JvmProgram inference;
    private final byte[] arena;

    /**
     * Compiles the step and the inference program.
     *
     * @param schedule the step's nodes in execution order (the training graph's order, or a reordered one)
     * @param seed seed of the stochastic-rounding generator
     */
    public TrainingSession(TrainingGraph training, List<Node> schedule, ArenaLayout layout, int seed) {
        this(training, schedule, layout, seed, null);
    }

    /**
     * As {@link #TrainingSession(TrainingGraph, List, ArenaLayout, int)}; with a non-null {@code stepProfile} the
     * step's kernel calls are timed into it (the inference program is not instrumented).
     */
    public TrainingSession(TrainingGraph training, List<Node> schedule, ArenaLayout layout, int seed,
                           OpProfile stepProfile) {
        this(training, schedule, layout, seed, stepProfile, null);
    }

    /**
     * As {@link #TrainingSession(TrainingGraph, List, ArenaLayout, int)}; the kernel calls of the step are timed
     * into a non-null {@code stepProfile} and those of the inference program into a non-null
     * {@code inferenceProfile} (two fresh profiles: a profile instruments one program).
     */
    public TrainingSession(TrainingGraph training, List<Node> schedule, ArenaLayout layout, int seed,
                           OpProfile stepProfile, OpProfile inferenceProfile) {
        this.training = training;
        Graph g = training.graph();
        ParameterArrays params = new ParameterArrays(g);
        this.step = compile(g, schedule, layout, params, seed, stepProfile);
        this.inference = compile(g, g.sliceFor(schedule, training.logitsValue()), layout, params, seed,
                inferenceProfile);
        this.arena = new byte[Math.toIntExact(layout.arenaBytes())];
    }

    private static JvmProgram compile(Graph g, List<Node> schedule, ArenaLayout layout, ParameterArrays params,
                                      int seed, OpProfile profile) {
        return profile == null ? JvmProgram.compile(g, schedule, layout, params, seed)
                : JvmProgram.compileProfiled(g, schedule, layout, params, seed, profile);
    }

    /** A session running the training graph's nodes in their order. */
    public TrainingSession(TrainingGraph training, ArenaLayout layout, int seed) {
        this(training, training.graph().nodes(), layout, seed);
    }

    /**
     * Runs one training step on one int8 NHWC image and its label, updating the trained parameters in place with
     * the compiled learning rates. A model with a float32 input (an imported TFLite model that starts with
     * {@code QUANTIZE}) takes the little-endian bytes of its floats, as the C runtime does.
     *
     * @return the loss before the update
     */
    public float trainStep(byte[] input, int label) {
        return trainStep(input, label, 1.0f);
    }

    /**
     * As {@link #trainStep(byte[], int)}, every update's learning rate multiplied by {@code lrScale} for this step
     * ({@code lr * lrScale} in float32, as the C runtime's {@code tt_set_lr_scale}); a learning-rate schedule
     * passes its factor for the step here.
     *
     * @throws IllegalArgumentException if {@code lrScale} is negative, infinite or NaN
     */
    public float trainStep(byte[] input, int label, float lrScale) {
        step.setLrScale(lrScale);
        JvmRun.write(arena, step.layout(), training.input(), input);
        JvmRun.writeInt(arena, step.layout(), training.labelValue(), label);
        step.run(arena);
        step.advanceStep();
        return JvmRun.readFloat32(arena, step.layout(), training.lossValue())[0];
    }

    /** The float32 logits of one int8 NHWC image (or float32 input bytes) with the current parameters. */
    public float[] infer(byte[] input) {
        JvmRun.write(arena, inference.layout(), training.input(), input);
        inference.run(arena);
        return JvmRun.readFloat32(arena, inference.layout(), training.logitsValue());
    }

    /** Index of the largest logit (the first on ties). */
    public int predict(byte[] input) {
        float[] l = infer(input);
        int best = 0;
        for (int i = 1; i < l.length; i++) {
            if (l[i] > l[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The float32 contents of a value as left by the last run (valid while the layout keeps it in place). */
    public float[] readFloat32(Value v) {
        return JvmRun.readFloat32(arena, step.layout(), v);
    }

    /** The int8 contents of a value as left by the last run. */
    public byte[] readInt8(Value v) {
        return JvmRun.readInt8(arena, step.layout(), v);
    }

    /** The parameters' runtime arrays (weights, biases, head, master copies): the trainable state. */
    public ParameterArrays parameters() {
        return step.parameters();
    }

    /** Completed training steps. */
    public int steps() {
        return step.step();
    }

    /** The training graph. */
    public TrainingGraph trainingGraph() {
        return training;
    }
}
