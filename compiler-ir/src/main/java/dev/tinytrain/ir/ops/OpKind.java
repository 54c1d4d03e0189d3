package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;

/**
 * Every op kind of the IR. Modules that must handle every kind (gradient rules, JVM kernels, C emitters) keep a
 * registry keyed by this enum, and each has a test that fails when a kind has no entry. Facts about an op that
 * other modules ask without knowing its kind (side effects, in-place operands, what it saves for backward) are
 * its traits, declared by each {@link Op} record.
 */
public enum OpKind {
    /** int8 convolution with fused requantization and clamp: dense, grouped, depthwise, pointwise. */
    CONV2D("conv2d", 3, Conv2d::fromJson),
    /** int8 residual add with requantization. */
    QUANTIZED_ADD("add_q", 2, QuantizedAdd::fromJson),
    /** int8 global average pool (keeps the quantization). */
    GLOBAL_AVG_POOL("global_avg_pool", 1, GlobalAvgPool::fromJson),
    /** int8 to float32: {@code (q - zero) * fl32(scale)}. */
    DEQUANTIZE("dequantize", 1, Dequantize::fromJson),
    /** float32 fully connected layer {@code y = x W^T + b}. */
    LINEAR("linear", 3, Linear::fromJson),
    /** Reinterprets the same elements with another shape. */
    RESHAPE("reshape", 1, Reshape::fromJson),
    /** Softmax cross-entropy loss and its gradient. */
    SOFTMAX_CROSS_ENTROPY("softmax_cross_entropy", 2, SoftmaxCrossEntropy::fromJson),
    /** Input gradient of the float head. */
    LINEAR_GRAD_INPUT("linear_grad_input", 2, LinearGradInput::fromJson),
    /** Weight gradient of the float head. */
    LINEAR_GRAD_WEIGHT("linear_grad_weight", 2, LinearGradWeight::fromJson),
    /** Gradient through dequantize. */
    DEQUANTIZE_GRAD("dequantize_grad", 1, DequantizeGrad::fromJson),
    /** Gradient of the global average pool. */
    AVG_POOL_GRAD("avg_pool_grad", 1, AvgPoolGrad::fromJson),
    /** Gradient of one operand of the quantized add. */
    ADD_GRAD("add_grad", 2, AddGrad::fromJson),
    /** Sum of two gradients of one value. */
    ACCUMULATE("accumulate", 2, Accumulate::fromJson),
    /** Masked, scaled gradient at a conv's accumulator. */
    CONV_GRAD_OUTPUT("conv_grad_output", 2, ConvGradOutput::fromJson),
    /** Input gradient of a conv. */
    CONV_GRAD_INPUT("conv_grad_input", 2, ConvGradInput::fromJson),
    /** Weight gradient of a conv (trainable channels). */
    CONV_GRAD_WEIGHT("conv_grad_weight", 3, ConvGradWeight::fromJson),
    /** Bias gradient of a conv. */
    CONV_GRAD_BIAS("conv_grad_bias", 1, ConvGradBias::fromJson),
    /** Copy of some channels (saved inputs of partially trained layers). */
    CHANNEL_SLICE("channel_slice", 1, ChannelSlice::fromJson),
    /** In-place SGD update of a parameter, with QAS and a rounding mode. */
    SGD_UPDATE("sgd_update", 2, SgdUpdate::fromJson),
    /** A conv's weight gradient fused with its in-place update, channel by channel. */
    CONV_GRAD_WEIGHT_UPDATE("conv_grad_weight_update", 3, ConvGradWeightUpdate::fromJson),
    /** A conv's bias gradient fused with its in-place update. */
    CONV_GRAD_BIAS_UPDATE("conv_grad_bias_update", 2, ConvGradBiasUpdate::fromJson),
    /** The head's weight gradient fused with its in-place update. */
    LINEAR_GRAD_WEIGHT_UPDATE("linear_grad_weight_update", 3, LinearGradWeightUpdate::fromJson),
    /**
     * An inverted-residual block's backward run channel by channel of its expanded tensor (issue 15); its operands
     * depend on which parts train, the arity is that of a region with every part.
     */
    STREAMED_BACKWARD("streamed_backward", 10, StreamedBackward::fromJson),
    // TFLite integer numerics (imported .tflite models): one kind per reference kernel, see TfliteRequant
    /** TFLite int8 conv / depthwise conv / fully connected with per-channel quantized multipliers. */
    TFLITE_CONV2D("tfl.conv2d", 3, TfliteConv2d::fromJson),
    /** TFLite int8 add (left shift 20). */
    TFLITE_ADD("tfl.add", 2, TfliteAdd::fromJson),
    /** TFLite int8 spatial pad with the zero point. */
    TFLITE_PAD("tfl.pad", 1, TflitePad::fromJson),
    /** TFLite int8 mean over height and width. */
    TFLITE_MEAN("tfl.mean", 1, TfliteMean::fromJson),
    /** TFLite int8 max or average pool. */
    TFLITE_POOL("tfl.pool", 1, TflitePool::fromJson),
    /** TFLite int8 concatenation of two tensors of one quantization. */
    TFLITE_CONCAT("tfl.concat", 2, TfliteConcat::fromJson),
    /** TFLite int8 standalone ReLU (requantizing). */
    TFLITE_RELU("tfl.relu", 1, TfliteRelu::fromJson),
    /** TFLite int8 softmax (gemmlowp fixed point). */
    TFLITE_SOFTMAX("tfl.softmax", 1, TfliteSoftmax::fromJson),
    /** TFLite float32 to int8 quantize. */
    TFLITE_QUANTIZE("tfl.quantize", 1, TfliteQuantize::fromJson),
    /** Gradient of the TFLite pad: the gradient cropped to the input. */
    TFLITE_PAD_GRAD("tfl.pad_grad", 1, TflitePadGrad::fromJson),
    /** Gradient of the TFLite max or average pool. */
    TFLITE_POOL_GRAD("tfl.pool_grad", 2, TflitePoolGrad::fromJson),
    /** Gradient of one operand of the TFLite concatenation: its part of the gradient. */
    TFLITE_CONCAT_GRAD("tfl.concat_grad", 1, TfliteConcatGrad::fromJson),
    /** A frozen forward prefix run in row bands through line buffers; its operand count varies (-1). */
    BAND_REGION("band_region", -1, BandRegion::fromJson);

    private final String irName;
    private final int arity;
    private final Function<JsonNode, Op> parser;

    OpKind(String irName, int arity, Function<JsonNode, Op> parser) {
        this.irName = irName;
        this.arity = arity;
        this.parser = parser;
    }

    /** The name used in printed IR and JSON. */
    public String irName() {
        return irName;
    }

    /** Number of operands; -1 for a kind whose count varies (a band region's parameters). */
    public int arity() {
        return arity;
    }

    /** Builds the op from its JSON attribute object. */
    public Op parseAttributes(JsonNode attrs) {
        return parser.apply(attrs);
    }

    /** Looks a kind up by {@link #irName()}; null when unknown. */
    public static OpKind fromIrName(String name) {
        for (OpKind k : values()) {
            if (k.irName.equals(name)) {
                return k;
            }
        }
        return null;
    }
}
