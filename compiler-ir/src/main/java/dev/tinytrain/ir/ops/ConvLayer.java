package dev.tinytrain.ir.ops;

import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Value;
import java.util.Optional;

/**
 * A forward convolution the training step differentiates and updates: the native {@link Conv2d} (float32
 * requantisation) and the imported {@link TfliteConv2d} (TFLite's quantized multipliers). Both keep int8 weights
 * with fixed symmetric per-output-channel scales and int32 biases in accumulator units, so one set of backward ops
 * ({@link ConvGradOutput}, {@link ConvGradInput}, {@link ConvGradWeight}, {@link ConvGradBias} and their fused
 * updates) serves both: the backward is float32 and reads only the geometry, the effective scales and the clamp
 * mask. An update rewrites the int8 weights and int32 biases in place and never a scale, so what a forward kind
 * derives from the scales alone (effective scales, TFLite's quantized multipliers and shifts) stays valid.
 */
public sealed interface ConvLayer extends Op permits Conv2d, TfliteConv2d {

    /** 1 for dense, Cin for depthwise. */
    int groups();

    /** The output quantization (per tensor). */
    Quantization output();

    /**
     * The per-output-channel effective scales {@code fl32(x_scale * w_scale[o] / y_scale)}
     * ({@link Conv2d#effectiveScales(double, float[], double)}) of this layer applied to input {@code x} with
     * weight {@code w}: the factor from the int32 accumulator to the output's integer steps, which the
     * straight-through gradient at the accumulator applies.
     */
    float[] effectiveScales(Value x, Value w);

    /**
     * The stride, padding and groups the backward ops carry, as a {@link Conv2d} (whose output quantization the
     * backward ignores); empty when they cannot express this layer: a TFLite conv with unequal strides, or with a
     * bottom (right) padding other than the top (left) one or one more (what {@code SAME} and {@code VALID} give).
     * The gradient then stops at the layer, as at a frozen one.
     */
    Optional<Conv2d> gradientGeometry();

    /** The same layer with or without its clamp-mask result (1 where the pre-clamp value passes the clamp). */
    @Override
    ConvLayer withSaveMask(boolean save);
}
