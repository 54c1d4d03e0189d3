package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.tflite.TfliteEmitters;
import dev.tinytrain.ir.ops.OpKind;
import java.util.EnumMap;
import java.util.Map;

/**
 * The JVM kernel emitter of every op kind, in one registry. {@code JvmOpEmittersTest} fails when a kind has none.
 */
public final class JvmOpEmitters {
    private static final Map<OpKind, JvmOpEmitter> EMITTERS = new EnumMap<>(OpKind.class);

    static {
        EMITTERS.put(OpKind.CONV2D, ForwardEmitters::conv2d);
        EMITTERS.put(OpKind.QUANTIZED_ADD, ForwardEmitters::quantizedAdd);
        EMITTERS.put(OpKind.GLOBAL_AVG_POOL, ForwardEmitters::globalAvgPool);
        EMITTERS.put(OpKind.DEQUANTIZE, ForwardEmitters::dequantize);
        EMITTERS.put(OpKind.LINEAR, ForwardEmitters::linear);
        EMITTERS.put(OpKind.RESHAPE, ForwardEmitters::reshape);
        EMITTERS.put(OpKind.SOFTMAX_CROSS_ENTROPY, TrainingEmitters::softmaxCrossEntropy);
        EMITTERS.put(OpKind.LINEAR_GRAD_INPUT, TrainingEmitters::linearGradInput);
        EMITTERS.put(OpKind.LINEAR_GRAD_WEIGHT, TrainingEmitters::linearGradWeight);
        EMITTERS.put(OpKind.DEQUANTIZE_GRAD, TrainingEmitters::dequantizeGrad);
        EMITTERS.put(OpKind.AVG_POOL_GRAD, TrainingEmitters::avgPoolGrad);
        EMITTERS.put(OpKind.ADD_GRAD, TrainingEmitters::addGrad);
        EMITTERS.put(OpKind.ACCUMULATE, TrainingEmitters::accumulate);
        EMITTERS.put(OpKind.CONV_GRAD_OUTPUT, TrainingEmitters::convGradOutput);
        EMITTERS.put(OpKind.CONV_GRAD_INPUT, TrainingEmitters::convGradInput);
        EMITTERS.put(OpKind.CONV_GRAD_WEIGHT, TrainingEmitters::convGradWeight);
        EMITTERS.put(OpKind.CONV_GRAD_BIAS, TrainingEmitters::convGradBias);
        EMITTERS.put(OpKind.CHANNEL_SLICE, TrainingEmitters::channelSlice);
        EMITTERS.put(OpKind.SGD_UPDATE, TrainingEmitters::sgdUpdate);
        EMITTERS.put(OpKind.CONV_GRAD_WEIGHT_UPDATE, TrainingEmitters::convGradWeightUpdate);
        EMITTERS.put(OpKind.CONV_GRAD_BIAS_UPDATE, TrainingEmitters::convGradBiasUpdate);
        EMITTERS.put(OpKind.LINEAR_GRAD_WEIGHT_UPDATE, TrainingEmitters::linearGradWeightUpdate);
        EMITTERS.put(OpKind.STREAMED_BACKWARD, StreamedEmitter::streamedBackward);
        // TFLite integer numerics (imported .tflite models)
        EMITTERS.put(OpKind.TFLITE_CONV2D, TfliteEmitters::conv2d);
        EMITTERS.put(OpKind.TFLITE_ADD, TfliteEmitters::add);
        EMITTERS.put(OpKind.TFLITE_PAD, TfliteEmitters::pad);
        EMITTERS.put(OpKind.TFLITE_MEAN, TfliteEmitters::mean);
        EMITTERS.put(OpKind.TFLITE_POOL, TfliteEmitters::pool);
        EMITTERS.put(OpKind.TFLITE_CONCAT, TfliteEmitters::concat);
        EMITTERS.put(OpKind.TFLITE_RELU, TfliteEmitters::relu);
        EMITTERS.put(OpKind.TFLITE_SOFTMAX, TfliteEmitters::softmax);
        EMITTERS.put(OpKind.TFLITE_QUANTIZE, TfliteEmitters::quantize);
        EMITTERS.put(OpKind.BAND_REGION, BandRegionEmitter::bandRegion);
        EMITTERS.put(OpKind.TFLITE_PAD_GRAD, TfliteEmitters::padGrad);
        EMITTERS.put(OpKind.TFLITE_POOL_GRAD, TfliteEmitters::poolGrad);
        EMITTERS.put(OpKind.TFLITE_CONCAT_GRAD, TfliteEmitters::concatGrad);
    }

    private JvmOpEmitters() {
    }

    /** The emitter of {@code kind}, or empty when the JVM backend cannot run it. */
    public static java.util.Optional<JvmOpEmitter> forKind(OpKind kind) {
        return java.util.Optional.ofNullable(EMITTERS.get(kind));
    }
}
