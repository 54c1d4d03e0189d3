package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.FastConv2d;
import dev.tinytrain.backend.jvm.fast.FastConvInputGrad;
import dev.tinytrain.backend.jvm.fast.FastConvWeightGradUpdate;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.backend.jvm.kernels.StepKernels;
import dev.tinytrain.backend.jvm.kernels.UpdateKernels;
import dev.tinytrain.backend.jvm.tflite.TfliteBackwardKernels;
import dev.tinytrain.backend.jvm.tflite.TfliteKernels;
import dev.tinytrain.ir.Value;
import dev.tinytrain.lowering.ArgKind;
import dev.tinytrain.lowering.ConvArgs;
import dev.tinytrain.lowering.Kernel;
import dev.tinytrain.lowering.KernelArg;
import dev.tinytrain.lowering.KernelCall;
import java.lang.reflect.Method;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JVM implementation of every {@link Kernel}: a static method, looked up once by reflection
 * ({@link KernelMethods}), so the generated call's owner and descriptor come from the method itself. The table is an
 * exhaustive switch (a kernel added without its method does not compile), and {@code JvmKernelsTest} checks each
 * method's parameters against the kernel's signature through {@link #parameterTypes}.
 *
 * <p>Some kernels also have a {@link Binding}: a fast kernel object that a call's constant arguments are bound into
 * once, when the program is generated, and that the program then runs with the call's runtime arguments. The static
 * method stays the reference the object equals byte for byte.
 */
public final class JvmKernels {
    private static final Map<Kernel, Method> METHODS = new EnumMap<>(Kernel.class);
    private static final Map<Kernel, Binding> BINDINGS = new EnumMap<>(Kernel.class);

    static {
        for (Kernel k : Kernel.values()) {
            METHODS.put(k, lookUp(k));
        }
        BINDINGS.put(Kernel.CONV2D, new Binding(KernelMethods.of(FastConv2d.class, "run"),
                List.of(0, ConvArgs.IN_OFF, ConvArgs.OUT_OFF, ConvArgs.MASK), JvmKernels::fastConv));
        BINDINGS.put(Kernel.CONV_INPUT_GRAD, new Binding(KernelMethods.of(FastConvInputGrad.class, "run"),
                List.of(0, 1, 4, 5), (c, call, args) -> new FastConvInputGrad((byte[]) args.get(2),
                        (ConvGeom) args.get(3), weightsFixed(c, call, 2), c.scratch())));
        BINDINGS.put(Kernel.CONV_WEIGHT_GRAD_UPDATE, new Binding(KernelMethods.of(FastConvWeightGradUpdate.class,
                "run"), List.of(0, 1, 3, 7, 11, 13), (c, call, args) -> new FastConvWeightGradUpdate(
                        (Integer) args.get(2), (ConvGeom) args.get(4), (ConvGeom) args.get(5), (int[]) args.get(6),
                        (byte[]) args.get(8), (float[]) args.get(9), (float[]) args.get(10),
                        (RoundingMode) args.get(12), c.scratch())));
    }

    private JvmKernels() {
    }

    /**
     * How a call of a kernel with a fast kernel object is generated: {@code binder} makes the object from the call,
     * the values of its arguments and the program's context, and the program calls {@code run} on it with the
     * arguments at {@code runArguments}, pushed as for a static call.
     *
     * @param run the object's public instance method
     * @param runArguments indices into the call's arguments, in {@code run}'s parameter order
     * @param binder makes the object (once per node, when the program is generated)
     */
    public record Binding(Method run, List<Integer> runArguments, Binder binder) {
        public Binding {
            runArguments = List.copyOf(runArguments);
        }
    }

    /** Makes a kernel object for one call. */
    @FunctionalInterface
    public interface Binder {
        /**
         * @param values the value of each of the call's arguments ({@link JvmKernelPrinter#value}; null for one
         *               that only exists at run time: the arena, an offset, a learning rate or key)
         */
        Object bind(EmitContext c, KernelCall call, List<Object> values);
    }

    /** The static method implementing {@code kernel} (for a kernel with a {@link #binding}, its reference). */
    public static Method method(Kernel kernel) {
        return METHODS.get(kernel);
    }

    /** The fast kernel object of {@code kernel}'s calls, or empty when the static {@link #method} is called. */
    public static Optional<Binding> binding(Kernel kernel) {
        return Optional.ofNullable(BINDINGS.get(kernel));
    }

    /** The {@link FastConv2d} of a {@link Kernel#CONV2D} call with the values of its arguments. */
    private static FastConv2d fastConv(EmitContext c, KernelCall call, List<Object> a) {
        return new FastConv2d(int32(a, ConvArgs.IN_H), int32(a, ConvArgs.IN_W), int32(a, ConvArgs.IN_C),
                int32(a, ConvArgs.X_ZERO), (byte[]) a.get(ConvArgs.WEIGHT), int32(a, ConvArgs.K_H),
                int32(a, ConvArgs.K_W), int32(a, ConvArgs.STRIDE), int32(a, ConvArgs.PAD_TOP),
                int32(a, ConvArgs.PAD_LEFT), int32(a, ConvArgs.GROUPS), (float[]) a.get(ConvArgs.BIAS),
                (float[]) a.get(ConvArgs.EFF), int32(a, ConvArgs.Y_ZERO), int32(a, ConvArgs.OUT_H),
                int32(a, ConvArgs.OUT_W), int32(a, ConvArgs.OUT_C), weightsFixed(c, call, ConvArgs.WEIGHT),
                c.scratch());
    }

    private static int int32(List<Object> values, int i) {
        return (Integer) values.get(i);
    }

    /** True when no node of the graph updates the int8 weight passed as argument {@code i} (read it once). */
    private static boolean weightsFixed(EmitContext c, KernelCall call, int i) {
        return !updatedInPlace(c, ((KernelArg.Parameter) call.args().get(i)).param());
    }

    /** Whether a node of the graph updates parameter {@code p} (then kernels must re-read it at every run). */
    static boolean updatedInPlace(EmitContext c, Value p) {
        return c.graph().users(p).stream().anyMatch(u -> u.updatedParameters().contains(p));
    }

    private static Method lookUp(Kernel k) {
        return switch (k) {
            case CONV2D -> KernelMethods.of(ForwardKernels.class, "conv2d");
            case QUANTIZED_ADD -> KernelMethods.of(ForwardKernels.class, "quantizedAdd");
            case GLOBAL_AVG_POOL -> KernelMethods.of(ForwardKernels.class, "globalAvgPool");
            case DEQUANTIZE -> KernelMethods.of(ForwardKernels.class, "dequantize");
            case LINEAR -> KernelMethods.of(ForwardKernels.class, "linear");
            case MOVE_BYTES -> KernelMethods.of(System.class, "arraycopy");
            case SOFTMAX_CROSS_ENTROPY -> KernelMethods.of(StepKernels.class, "softmaxCrossEntropy");
            case LINEAR_INPUT_GRAD -> KernelMethods.of(BackwardKernels.class, "linearInputGrad");
            case LINEAR_WEIGHT_GRAD -> KernelMethods.of(BackwardKernels.class, "linearWeightGrad");
            case DEQUANTIZE_BACKWARD -> KernelMethods.of(BackwardKernels.class, "dequantizeBackward");
            case AVG_POOL_BACKWARD -> KernelMethods.of(BackwardKernels.class, "avgPoolBackward");
            case ADD_GRAD -> KernelMethods.of(StepKernels.class, "addGrad");
            case ADD_FLOAT -> KernelMethods.of(StepKernels.class, "add");
            case MASK_AND_SCALE_OUTPUT_GRAD -> KernelMethods.of(BackwardKernels.class, "maskAndScaleOutputGrad");
            case CONV_BIAS_GRAD -> KernelMethods.of(BackwardKernels.class, "convBiasGrad");
            case CHANNEL_SLICE -> KernelMethods.of(StepKernels.class, "channelSlice");
            case SGD_FLOAT -> KernelMethods.of(UpdateKernels.class, "sgdFloat");
            case UPDATE_CONV_BIAS -> KernelMethods.of(StepKernels.class, "updateConvBias");
            case CONV_INPUT_GRAD -> KernelMethods.of(BackwardKernels.class, "convInputGrad");
            case CONV_WEIGHT_GRAD -> KernelMethods.of(StepKernels.class, "convWeightGrad");
            case CONV_WEIGHT_GRAD_UPDATE -> KernelMethods.of(StepKernels.class, "convWeightGradUpdate");
            case UPDATE_CONV_WEIGHT -> KernelMethods.of(StepKernels.class, "updateConvWeight");
            case CONV_BIAS_GRAD_UPDATE -> KernelMethods.of(StepKernels.class, "convBiasGradUpdate");
            case LINEAR_WEIGHT_GRAD_UPDATE -> KernelMethods.of(StepKernels.class, "linearWeightGradUpdate");
            case TFL_CONV2D -> KernelMethods.of(TfliteKernels.class, "conv2d");
            case TFL_FULLY_CONNECTED -> KernelMethods.of(TfliteKernels.class, "fullyConnected");
            case TFL_ADD -> KernelMethods.of(TfliteKernels.class, "add");
            case TFL_PAD -> KernelMethods.of(TfliteKernels.class, "pad");
            case TFL_MEAN -> KernelMethods.of(TfliteKernels.class, "mean");
            case TFL_POOL -> KernelMethods.of(TfliteKernels.class, "pool");
            case TFL_CONCAT -> KernelMethods.of(TfliteKernels.class, "concat");
            case TFL_RELU -> KernelMethods.of(TfliteKernels.class, "relu");
            case TFL_SOFTMAX -> KernelMethods.of(TfliteKernels.class, "softmax");
            case TFL_QUANTIZE -> KernelMethods.of(TfliteKernels.class, "quantize");
            case TFL_PAD_BACKWARD -> KernelMethods.of(TfliteBackwardKernels.class, "padBackward");
            case TFL_POOL_BACKWARD -> KernelMethods.of(TfliteBackwardKernels.class, "poolBackward");
            case TFL_CONCAT_BACKWARD -> KernelMethods.of(TfliteBackwardKernels.class, "concatBackward");
        };
    }

    /** The JVM parameters an argument of {@code kind} fills, as {@link JvmKernelPrinter} pushes them. */
    public static List<Class<?>> parameterTypes(ArgKind kind) {
        return switch (kind) {
            case ARENA, INT8_WEIGHT -> List.of(byte[].class);
            case OFFSET, OPTIONAL_OFFSET, INT, BYTE_COUNT, RNG_KEY -> List.of(int.class);
            case FLOAT, LEARNING_RATE -> List.of(float.class);
            case BOOL -> List.of(boolean.class);
            case FLOAT_TABLE, OPTIONAL_FLOAT_TABLE, FLOAT_PARAM, MASTER, FORWARD_VIEW, CONV_BIAS ->
                    List.of(float[].class);
            case INT32_TABLE, INDEX_LIST, INT32_PARAM -> List.of(int[].class);
            case INT64_TABLE -> List.of(long[].class);
            case CONV_GEOMETRY -> List.of(ConvGeom.class);
            case ROUNDING -> List.of(RoundingMode.class);
        };
    }
}
