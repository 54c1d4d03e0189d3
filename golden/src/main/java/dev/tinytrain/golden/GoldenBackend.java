package dev.tinytrain.golden;

import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import java.util.Map;

/**
 * What a golden check needs from a backend: run a compiled training step exactly as {@code Compiler.compile} made
 * it (fused updates, planned arena with in-place buffers: the step a user flashes), and, to observe intermediate
 * values, a forward graph or an unfused training step on the trivial arena layout ({@code ArenaLayout.sequential},
 * every value kept); hand back bytes. The checks ({@link ForwardGoldenCheck},
 * {@link TrainGoldenCheck}) compare them with the golden the same way whatever the backend: the JVM
 * ({@link JvmGoldenBackend}), or the emitted C on the host or on the Cortex-M7 under QEMU ({@link CGoldenBackend}).
 */
public interface GoldenBackend {

    /** The backend's name, for reports. */
    String name();

    /**
     * Runs a forward graph on one int8 NHWC image.
     *
     * @param taps the values to read after the run, by name
     * @return each tap's bytes (little-endian, the value's own layout)
     */
    Map<String, byte[]> forward(Graph g, byte[] input, Map<String, Value> taps);

    /**
     * Runs one training step (seed 0) on one int8 NHWC image and its label.
     *
     * @param taps the values to read after the step, by name
     */
    TrainResult trainStep(TrainingGraph step, byte[] input, int label, Map<String, Value> taps);

    /**
     * Runs one training step of {@code compiled} on its own schedule and memory plan (the session or C code a user
     * gets from it) on one int8 NHWC image and its label. No taps: its intermediate values share buffers.
     */
    TrainResult trainCompiled(CompiledModel compiled, byte[] input, int label);

    /**
     * What one training step left.
     *
     * @param loss the loss
     * @param taps each tap's bytes
     * @param parameters every parameter after the step, whole: {@code byte[]} (int8), {@code int[]} (int32 storage),
     *     {@code float[]} (float32)
     * @param masters the float32 master copies (whole layout) of parameters trained in {@code float_master} mode
     */
    record TrainResult(float loss, Map<String, byte[]> taps, Map<String, Object> parameters,
                       Map<String, float[]> masters) {
    }

    /** The JVM reference backend. */
    static GoldenBackend jvm() {
        return new JvmGoldenBackend();
    }
}
