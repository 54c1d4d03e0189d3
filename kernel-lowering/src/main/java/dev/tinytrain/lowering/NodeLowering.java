package dev.tinytrain.lowering;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.OpKind;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Lowers one scheduled node into the one {@link KernelCall} that both backends print: one rule per op kind, in one
 * registry. The C printer ({@code CKernelPrinter} of backend-cmsis-c) and the JVM generator ({@code JvmKernelPrinter}
 * of backend-jvm-ref) print the call; neither writes an argument list of its own for these kinds.
 *
 * <p>A kernel may have fast variants: each backend picks one per call from the call's constant arguments (the conv
 * and the conv gradients by their geometry), and the JVM may bind a call's constants into a kernel object once
 * (weights widened to float, scratch kept between runs); the call stays the one description both print. A band
 * region's convs are printed from the same calls ({@link #conv}), on the region's row windows.
 *
 * <p>The kinds of {@link #SPECIALISED} are regions, not single kernels: the streamed backward and the band region
 * are lowered into whole region descriptions (their programs, in compiler-ir) that each backend walks.
 * {@code NodeLoweringTest} fails when a kind is in neither set.
 */
public final class NodeLowering {

    /** The kinds each backend still emits with its own specialised emitter (see the class comment). */
    public static final Set<OpKind> SPECIALISED = Collections.unmodifiableSet(EnumSet.of(
            OpKind.STREAMED_BACKWARD, OpKind.BAND_REGION));

    private static final Map<OpKind, BiFunction<Node, LoweringContext, Optional<KernelCall>>> RULES =
            new EnumMap<>(OpKind.class);

    static {
        withContext(OpKind.CONV2D, ForwardLowering::conv2d);
        withContext(OpKind.QUANTIZED_ADD, ForwardLowering::quantizedAdd);
        plain(OpKind.GLOBAL_AVG_POOL, ForwardLowering::globalAvgPool);
        plain(OpKind.DEQUANTIZE, ForwardLowering::dequantize);
        plain(OpKind.LINEAR, ForwardLowering::linear);
        RULES.put(OpKind.RESHAPE, ForwardLowering::reshape);
        plain(OpKind.SOFTMAX_CROSS_ENTROPY, TrainingLowering::softmaxCrossEntropy);
        plain(OpKind.LINEAR_GRAD_INPUT, TrainingLowering::linearGradInput);
        plain(OpKind.LINEAR_GRAD_WEIGHT, TrainingLowering::linearGradWeight);
        plain(OpKind.DEQUANTIZE_GRAD, TrainingLowering::dequantizeGrad);
        plain(OpKind.AVG_POOL_GRAD, TrainingLowering::avgPoolGrad);
        plain(OpKind.ADD_GRAD, TrainingLowering::addGrad);
        plain(OpKind.ACCUMULATE, TrainingLowering::accumulate);
        plain(OpKind.CONV_GRAD_OUTPUT, TrainingLowering::convGradOutput);
        plain(OpKind.CONV_GRAD_BIAS, TrainingLowering::convGradBias);
        plain(OpKind.CONV_GRAD_INPUT, TrainingLowering::convGradInput);
        plain(OpKind.CONV_GRAD_WEIGHT, TrainingLowering::convGradWeight);
        withContext(OpKind.CONV_GRAD_WEIGHT_UPDATE, TrainingLowering::convGradWeightUpdate);
        plain(OpKind.CHANNEL_SLICE, TrainingLowering::channelSlice);
        RULES.put(OpKind.SGD_UPDATE, (n, c) -> Optional.of(TrainingLowering.sgdUpdate(n, c)));
        plain(OpKind.CONV_GRAD_BIAS_UPDATE, TrainingLowering::convGradBiasUpdate);
        plain(OpKind.LINEAR_GRAD_WEIGHT_UPDATE, TrainingLowering::linearGradWeightUpdate);
        withContext(OpKind.TFLITE_CONV2D, TfliteLowering::conv2d);
        withContext(OpKind.TFLITE_ADD, TfliteLowering::add);
        plain(OpKind.TFLITE_PAD, TfliteLowering::pad);
        plain(OpKind.TFLITE_MEAN, TfliteLowering::mean);
        plain(OpKind.TFLITE_POOL, TfliteLowering::pool);
        plain(OpKind.TFLITE_CONCAT, TfliteLowering::concat);
        withContext(OpKind.TFLITE_RELU, TfliteLowering::relu);
        plain(OpKind.TFLITE_SOFTMAX, TfliteLowering::softmax);
        plain(OpKind.TFLITE_QUANTIZE, TfliteLowering::quantize);
        plain(OpKind.TFLITE_PAD_GRAD, TfliteLowering::padGrad);
        plain(OpKind.TFLITE_POOL_GRAD, TfliteLowering::poolGrad);
        plain(OpKind.TFLITE_CONCAT_GRAD, TfliteLowering::concatGrad);
    }

    private NodeLowering() {
    }

    private static void plain(OpKind kind, Function<Node, KernelCall> rule) {
        RULES.put(kind, (n, c) -> Optional.of(rule.apply(n)));
    }

    private static void withContext(OpKind kind, BiFunction<Node, LoweringContext, KernelCall> rule) {
        RULES.put(kind, (n, c) -> Optional.of(rule.apply(n, c)));
    }

    /** The kinds lowered here (every kind not {@link #SPECIALISED}). */
    public static Set<OpKind> loweredKinds() {
        return Collections.unmodifiableSet(RULES.keySet());
    }

    /**
     * The kernel call of node {@code n}, or empty when the node moves no data (a reshape whose result the plan puts
     * in its operand's place).
     *
     * @throws IllegalArgumentException if {@code n}'s kind is not lowered here, or the node is malformed for it
     */
    public static Optional<KernelCall> lower(Node n, LoweringContext c) {
        BiFunction<Node, LoweringContext, Optional<KernelCall>> rule = RULES.get(n.op().kind());
        if (rule == null) {
            throw new IllegalArgumentException("op '" + n.name() + "': " + n.op().kind().irName()
                    + " has a specialised emitter in each backend, not a lowering");
        }
        return rule.apply(n, c);
    }

    /**
     * The call of a conv that is not a node of the schedule: a layer of a band region, run by its region on row
     * windows. It is the call a node of the layer would get, without a clamp mask (a region keeps none); its tensor
     * offsets are the layer's values, which a backend replaces by the window's before printing them.
     *
     * @param x the layer's input, {@code w} its weight, {@code b} its bias, {@code y} its output
     */
    public static KernelCall conv(Value x, Conv2d op, Value w, Value b, Value y) {
        return ForwardLowering.conv(x, op, w, b, y, KernelArg.NoTensor.INSTANCE);
    }
}
