package dev.tinytrain.lowering;

import static dev.tinytrain.lowering.ArgKind.ARENA;
import static dev.tinytrain.lowering.ArgKind.BOOL;
import static dev.tinytrain.lowering.ArgKind.BYTE_COUNT;
import static dev.tinytrain.lowering.ArgKind.CONV_BIAS;
import static dev.tinytrain.lowering.ArgKind.CONV_GEOMETRY;
import static dev.tinytrain.lowering.ArgKind.FLOAT;
import static dev.tinytrain.lowering.ArgKind.FLOAT_PARAM;
import static dev.tinytrain.lowering.ArgKind.FLOAT_TABLE;
import static dev.tinytrain.lowering.ArgKind.FORWARD_VIEW;
import static dev.tinytrain.lowering.ArgKind.INDEX_LIST;
import static dev.tinytrain.lowering.ArgKind.INT;
import static dev.tinytrain.lowering.ArgKind.INT32_PARAM;
import static dev.tinytrain.lowering.ArgKind.INT32_TABLE;
import static dev.tinytrain.lowering.ArgKind.INT64_TABLE;
import static dev.tinytrain.lowering.ArgKind.INT8_WEIGHT;
import static dev.tinytrain.lowering.ArgKind.LEARNING_RATE;
import static dev.tinytrain.lowering.ArgKind.MASTER;
import static dev.tinytrain.lowering.ArgKind.OFFSET;
import static dev.tinytrain.lowering.ArgKind.OPTIONAL_FLOAT_TABLE;
import static dev.tinytrain.lowering.ArgKind.OPTIONAL_OFFSET;
import static dev.tinytrain.lowering.ArgKind.RNG_KEY;
import static dev.tinytrain.lowering.ArgKind.ROUNDING;

import java.util.List;

/**
 * The kernels a {@link KernelCall} may name, each with its signature: the kinds of its arguments, in order. The
 * kernel is named once here; each backend derives its implementation from it in one exhaustive table (the C
 * backend's function name, the JVM backend's reflected {@code Method}), and each backend has a test that its
 * implementation's parameters agree with the signature.
 *
 * <p>A kernel names the reference computation. Each backend may print a call of it as a fast variant that the call's
 * constant arguments select (the conv's 1x1, depthwise and im2col kernels, the conv gradients' 1x1 and depthwise
 * ones); the JVM binds a call's constants into a kernel object once ({@code FastConv2d}) and runs it with the
 * runtime arguments (arena and offsets).
 */
public enum Kernel {
    // ----------------------------------------------------------------------------------------------- forward
    /**
     * int8 conv (dense, grouped or depthwise; FORMAT.md 3.2): in, in h, w, c, x zero, weight, k h, k w, stride, pad
     * top, pad left, groups, bias, effective scales, y zero, out, out h, w, c, mask. Each backend picks a fast
     * variant by the geometry where it has one.
     */
    CONV2D(ARENA, OFFSET, INT, INT, INT, INT, INT8_WEIGHT, INT, INT, INT, INT, INT, INT, CONV_BIAS, FLOAT_TABLE, INT,
            OFFSET, INT, INT, INT, OPTIONAL_OFFSET),
    /** int8 residual add: a, a zero, a scale, b, b zero, b scale, count, y zero, y scale, out, mask. */
    QUANTIZED_ADD(ARENA, OFFSET, INT, FLOAT, OFFSET, INT, FLOAT, INT, INT, FLOAT, OFFSET, OPTIONAL_OFFSET),
    /** int8 global average pool: in, h, w, c, out. */
    GLOBAL_AVG_POOL(ARENA, OFFSET, INT, INT, INT, OFFSET),
    /** int8 to float32: in, count, zero point, scale, out. */
    DEQUANTIZE(ARENA, OFFSET, INT, INT, FLOAT, OFFSET),
    /** The float32 head: in, k, weight, bias, n, out. */
    LINEAR(ARENA, OFFSET, INT, FLOAT_PARAM, FLOAT_PARAM, INT, OFFSET),
    /** An overlap-safe byte copy inside the arena: source arena, source, destination arena, destination, bytes. */
    MOVE_BYTES(ARENA, OFFSET, ARENA, OFFSET, BYTE_COUNT),

    // ---------------------------------------------------------------------------------------------- training
    /** Loss and its gradient: logits, classes, label, gradient out, loss out. */
    SOFTMAX_CROSS_ENTROPY(ARENA, OFFSET, INT, OFFSET, OFFSET, OFFSET),
    /** The head's input gradient: g, weight, out features, in features, dx. */
    LINEAR_INPUT_GRAD(ARENA, OFFSET, FLOAT_PARAM, INT, INT, OFFSET),
    /** The head's weight gradient: g, x, out features, in features, dw. */
    LINEAR_WEIGHT_GRAD(ARENA, OFFSET, OFFSET, INT, INT, OFFSET),
    /** Gradient through dequantize: g, count, scale, out. */
    DEQUANTIZE_BACKWARD(ARENA, OFFSET, INT, FLOAT, OFFSET),
    /** Gradient of the global average pool: g, h, w, c, dx, accumulate. */
    AVG_POOL_BACKWARD(ARENA, OFFSET, INT, INT, INT, OFFSET, BOOL),
    /** Gradient of one add operand: g, mask, count, output scale, operand scale, dx. */
    ADD_GRAD(ARENA, OFFSET, OFFSET, INT, FLOAT, FLOAT, OFFSET),
    /** float32 elementwise sum: a, b, count, out. */
    ADD_FLOAT(ARENA, OFFSET, OFFSET, INT, OFFSET),
    /** Clamp mask and requantization scale of a conv's output gradient: g, mask, eff, positions, channels, out. */
    MASK_AND_SCALE_OUTPUT_GRAD(ARENA, OFFSET, OFFSET, FLOAT_TABLE, INT, INT, OFFSET),
    /** A conv's bias gradient: g, positions, channels, db. */
    CONV_BIAS_GRAD(ARENA, OFFSET, INT, INT, OFFSET),
    /** Copy of listed channels: in, positions, channels, the list, out. */
    CHANNEL_SLICE(ARENA, OFFSET, INT, INT, INDEX_LIST, OFFSET),
    /** SGD on a float32 parameter: param, first element, arena, g, count, lr. */
    SGD_FLOAT(FLOAT_PARAM, INT, ARENA, OFFSET, INT, LEARNING_RATE),
    /** Update of an int32 conv bias: g, count, bias, master, forward view, QAS, lr, rounding, key. */
    UPDATE_CONV_BIAS(ARENA, OFFSET, INT, INT32_PARAM, MASTER, FORWARD_VIEW, OPTIONAL_FLOAT_TABLE, LEARNING_RATE,
            ROUNDING, RNG_KEY),
    /**
     * A conv's input gradient: g, weight, geometry, dx, accumulate into dx. Each backend picks a fast variant by the
     * geometry (1x1, depthwise) where it has one.
     */
    CONV_INPUT_GRAD(ARENA, OFFSET, INT8_WEIGHT, CONV_GEOMETRY, OFFSET, BOOL),
    /**
     * A conv's compact weight gradient (unfused): x, x zero point, g, geometry, the trained channels of a depthwise
     * weight (a dense conv's input is already sliced), dw.
     */
    CONV_WEIGHT_GRAD(ARENA, OFFSET, INT, OFFSET, CONV_GEOMETRY, INDEX_LIST, OFFSET),
    /** Update of an int8 conv weight from its compact gradient: g, geometry, channels, weight, master, QAS, ... */
    UPDATE_CONV_WEIGHT(ARENA, OFFSET, CONV_GEOMETRY, INDEX_LIST, INT8_WEIGHT, MASTER, OPTIONAL_FLOAT_TABLE,
            LEARNING_RATE, ROUNDING, RNG_KEY),
    /**
     * A conv's weight gradient fused with its update (operator reorder): x, x zero point, g, the gradient's geometry,
     * the weight's geometry, trained channels, workspace, weight, master, QAS, lr, rounding, key. Each backend picks a
     * fast variant by the gradient's geometry (1x1) where it has one.
     */
    CONV_WEIGHT_GRAD_UPDATE(ARENA, OFFSET, INT, OFFSET, CONV_GEOMETRY, CONV_GEOMETRY, INDEX_LIST, OFFSET, INT8_WEIGHT,
            MASTER, OPTIONAL_FLOAT_TABLE, LEARNING_RATE, ROUNDING, RNG_KEY),
    /** A conv's bias gradient fused with its update: g, positions, channels, bias, master, view, QAS, ... */
    CONV_BIAS_GRAD_UPDATE(ARENA, OFFSET, INT, INT, INT32_PARAM, MASTER, FORWARD_VIEW, OPTIONAL_FLOAT_TABLE,
            LEARNING_RATE, ROUNDING, RNG_KEY),
    /** The head's weight gradient fused with its update: g, x, out features, in features, weight, lr. */
    LINEAR_WEIGHT_GRAD_UPDATE(ARENA, OFFSET, OFFSET, INT, INT, FLOAT_PARAM, LEARNING_RATE),

    // -------------------------------------------------------------------- TFLite integer numerics (imported)
    /** TFLite conv / depthwise conv with per-channel quantized multipliers. */
    TFL_CONV2D(ARENA, OFFSET, INT, INT, INT, INT, INT8_WEIGHT, INT, INT, INT, INT, INT, INT, INT, INT32_PARAM,
            INT32_TABLE, INT32_TABLE, INT, INT, INT, OFFSET, INT, INT, INT, OPTIONAL_OFFSET),
    /** TFLite fully connected with binary64 scales (significand, exponent). */
    TFL_FULLY_CONNECTED(ARENA, OFFSET, INT, INT, INT8_WEIGHT, INT32_PARAM, INT64_TABLE, INT32_TABLE, INT, INT, INT,
            OFFSET, INT, OPTIONAL_OFFSET),
    /** TFLite add. */
    TFL_ADD(ARENA, OFFSET, INT, INT, INT, OFFSET, INT, INT, INT, INT, INT, INT, INT, INT, INT, OFFSET, INT,
            OPTIONAL_OFFSET),
    /** TFLite spatial pad. */
    TFL_PAD(ARENA, OFFSET, INT, INT, INT, INT, INT, INT, OFFSET, INT, INT),
    /** TFLite mean over height and width. */
    TFL_MEAN(ARENA, OFFSET, INT, INT, BOOL, INT, INT, INT, INT, OFFSET),
    /** TFLite max or average pool. */
    TFL_POOL(ARENA, OFFSET, INT, INT, INT, BOOL, INT, INT, INT, INT, INT, INT, INT, INT, OFFSET, INT, INT),
    /** TFLite concatenation of two tensors. */
    TFL_CONCAT(ARENA, OFFSET, INT, OFFSET, INT, INT, OFFSET),
    /** TFLite requantizing ReLU. */
    TFL_RELU(ARENA, OFFSET, INT, INT, INT, INT, INT, INT, OFFSET, OPTIONAL_OFFSET),
    /** TFLite softmax. */
    TFL_SOFTMAX(ARENA, OFFSET, INT, INT, INT, INT, INT, OFFSET),
    /** TFLite float32 to int8 quantize. */
    TFL_QUANTIZE(ARENA, OFFSET, INT, FLOAT, INT, OFFSET),
    /** Gradient of the TFLite pad (a crop). */
    TFL_PAD_BACKWARD(ARENA, OFFSET, INT, INT, INT, INT, INT, OFFSET, INT, INT),
    /** Gradient of the TFLite pools. */
    TFL_POOL_BACKWARD(ARENA, OFFSET, INT, INT, INT, BOOL, INT, INT, INT, INT, INT, INT, INT, INT, OFFSET, INT, INT,
            OFFSET),
    /** Gradient of the TFLite concatenation (a split). */
    TFL_CONCAT_BACKWARD(ARENA, OFFSET, INT, INT, INT, INT, OFFSET);

    private final List<ArgKind> signature;

    Kernel(ArgKind... signature) {
        this.signature = List.of(signature);
    }

    /** The kinds of the arguments, in order. */
    public List<ArgKind> signature() {
        return signature;
    }
}
