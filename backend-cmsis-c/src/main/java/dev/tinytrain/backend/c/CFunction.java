package dev.tinytrain.backend.c;

import static dev.tinytrain.lowering.ConvArgs.BIAS;
import static dev.tinytrain.lowering.ConvArgs.EFF;
import static dev.tinytrain.lowering.ConvArgs.GROUPS;
import static dev.tinytrain.lowering.ConvArgs.IN_C;
import static dev.tinytrain.lowering.ConvArgs.IN_H;
import static dev.tinytrain.lowering.ConvArgs.IN_OFF;
import static dev.tinytrain.lowering.ConvArgs.IN_W;
import static dev.tinytrain.lowering.ConvArgs.K_H;
import static dev.tinytrain.lowering.ConvArgs.K_W;
import static dev.tinytrain.lowering.ConvArgs.MASK;
import static dev.tinytrain.lowering.ConvArgs.OUT_C;
import static dev.tinytrain.lowering.ConvArgs.OUT_H;
import static dev.tinytrain.lowering.ConvArgs.OUT_OFF;
import static dev.tinytrain.lowering.ConvArgs.OUT_W;
import static dev.tinytrain.lowering.ConvArgs.PAD_LEFT;
import static dev.tinytrain.lowering.ConvArgs.PAD_TOP;
import static dev.tinytrain.lowering.ConvArgs.STRIDE;
import static dev.tinytrain.lowering.ConvArgs.WEIGHT;
import static dev.tinytrain.lowering.ConvArgs.X_ZERO;
import static dev.tinytrain.lowering.ConvArgs.Y_ZERO;

import dev.tinytrain.ir.Value;
import dev.tinytrain.lowering.Kernel;
import dev.tinytrain.lowering.KernelArg;
import dev.tinytrain.lowering.KernelCall;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The C implementation of a {@link Kernel}: a function of the runtime ({@code tt_kernels.h}, {@code tt_tflite.h})
 * called with the kernel's arguments in order, or the C library's {@code memmove}. The table is an exhaustive switch
 * (a kernel added without its C function does not compile); {@code CFunctionTest} checks each runtime function's
 * prototype against the kernel's signature.
 *
 * <p>A fast variant may take fewer of the call's arguments than its kernel (what its shape fixes, such as a 1x1
 * conv's window and padding) and tables the printer derives from them ({@link #ZERO_POINT_WEIGHT_SUMS}):
 * {@link #arguments} lists them.
 *
 * @param name the C function
 * @param form how the call is written
 * @param arguments the indices of the call's arguments the function takes, in order, with
 *     {@link #ZERO_POINT_WEIGHT_SUMS} where it takes that table; empty: every argument in order
 */
record CFunction(String name, Form form, List<Integer> arguments) {

    /**
     * In {@link #arguments}: the {@code zw} table of {@code tt_conv1x1} and {@code tt_conv_im2col},
     * {@code x_zero * sum w[o][*]} per output channel of a frozen weight, or NULL ({@code CKernelPrinter} computes
     * it from the call's weight and zero point).
     */
    static final int ZERO_POINT_WEIGHT_SUMS = -1;

    /** Copies. */
    CFunction {
        arguments = List.copyOf(arguments);
    }

    /** A function that takes every argument of the call, in order. */
    CFunction(String name, Form form) {
        this(name, form, List.of());
    }

    /** The indices of the arguments of {@code call} this function takes (see {@link #arguments}). */
    List<Integer> argumentsOf(KernelCall call) {
        return arguments.isEmpty() ? IntStream.range(0, call.args().size()).boxed().toList() : arguments;
    }

    /** How a call is written. */
    enum Form {
        /** {@code name(args...);} */
        CALL,
        /** {@code (void)name(args...);}: the function returns a status the step function checked on entry. */
        CALL_IGNORING_RESULT,
        /**
         * {@code memmove(arena + dst, arena + src, bytes);} for the arguments {@code (arena, src, arena, dst, bytes)}
         * of {@link Kernel#MOVE_BYTES}, which follow the JVM's {@code System.arraycopy}.
         */
        MEMMOVE
    }

    private static final Map<Kernel, CFunction> FUNCTIONS = new EnumMap<>(Kernel.class);

    static {
        for (Kernel k : Kernel.values()) {
            FUNCTIONS.put(k, of(k));
        }
    }

    /** The C function of {@code kernel} (of a kernel with fast variants, the general one). */
    static CFunction forKernel(Kernel kernel) {
        return FUNCTIONS.get(kernel);
    }

    /**
     * The C function of one call: the fast variant its constant arguments select (a conv's or a conv gradient's by
     * its geometry, as {@code CFunctionTest} and the conformance tests check every variant against the reference),
     * else {@link #forKernel}.
     */
    static CFunction forCall(CEmitContext c, KernelCall call) {
        return switch (call.kernel()) {
            case CONV2D -> conv(c, call);
            case CONV_INPUT_GRAD -> {
                CGeom g = geometry(call, 3);
                yield g.dense1x1() ? call("tt_conv1x1_input_grad")
                        : g.depthwise() ? call("tt_depthwise_input_grad") : forKernel(call.kernel());
            }
            case CONV_WEIGHT_GRAD_UPDATE -> geometry(call, 4).dense1x1() ? call("tt_conv1x1_weight_grad_update")
                    : forKernel(call.kernel());
            default -> forKernel(call.kernel());
        };
    }

    /** Every C function that a call of {@code kernel} may be printed as: the general one first, then fast variants. */
    static List<CFunction> variants(Kernel kernel) {
        return switch (kernel) {
            case CONV2D -> List.of(forKernel(kernel), CONV_1X1, CONV_DEPTHWISE, CONV_IM2COL);
            case CONV_INPUT_GRAD -> List.of(forKernel(kernel), call("tt_conv1x1_input_grad"),
                    call("tt_depthwise_input_grad"));
            case CONV_WEIGHT_GRAD_UPDATE -> List.of(forKernel(kernel), call("tt_conv1x1_weight_grad_update"));
            default -> List.of(forKernel(kernel));
        };
    }

    /** Terms of an int8 conv sum that int32 holds exactly ({@code TT_MAX_INT_TERMS} of tt_kernels.h). */
    private static final int MAX_INT_TERMS = 65793;
    /** The largest patch of {@code tt_conv_im2col} ({@code TT_IM2COL_MAX_PATCH} of tt_kernels.h). */
    private static final int IM2COL_MAX_PATCH = 64;
    /** A dense 1x1 conv without padding: no input rows, window, padding or groups; the zw table after the weight. */
    private static final CFunction CONV_1X1 = new CFunction("tt_conv1x1", Form.CALL, List.of(0, IN_OFF, IN_W, IN_C,
            X_ZERO, WEIGHT, ZERO_POINT_WEIGHT_SUMS, STRIDE, BIAS, EFF, Y_ZERO, OUT_OFF, OUT_H, OUT_W, OUT_C, MASK));
    /** A depthwise conv: no groups or output channels (both are the input's). */
    private static final CFunction CONV_DEPTHWISE = new CFunction("tt_depthwise_conv", Form.CALL, List.of(0, IN_OFF,
            IN_H, IN_W, IN_C, X_ZERO, WEIGHT, K_H, K_W, STRIDE, PAD_TOP, PAD_LEFT, BIAS, EFF, Y_ZERO, OUT_OFF, OUT_H,
            OUT_W, MASK));
    /** A small dense conv through im2col (the 3-channel first conv): no groups; the zw table after the weight. */
    private static final CFunction CONV_IM2COL = new CFunction("tt_conv_im2col", Form.CALL, List.of(0, IN_OFF, IN_H,
            IN_W, IN_C, X_ZERO, WEIGHT, ZERO_POINT_WEIGHT_SUMS, K_H, K_W, STRIDE, PAD_TOP, PAD_LEFT, BIAS, EFF, Y_ZERO,
            OUT_OFF, OUT_H, OUT_W, OUT_C, MASK));

    /** The conv's fast kernel that its geometry allows, else the reference {@code tt_conv2d_p} (the JVM's choice). */
    private static CFunction conv(CEmitContext c, KernelCall call) {
        int inC = constant(call, IN_C);
        int kH = constant(call, K_H);
        int kW = constant(call, K_W);
        int groups = constant(call, GROUPS);
        Value w = ((KernelArg.Parameter) call.args().get(WEIGHT)).param();
        if (kH == 1 && kW == 1 && groups == 1 && constant(call, PAD_TOP) == 0 && constant(call, PAD_LEFT) == 0
                && inC <= MAX_INT_TERMS) {
            return CONV_1X1;
        }
        if (CGeom.depthwiseLayout(w) && groups == inC && constant(call, OUT_C) == inC
                && (long) kH * kW <= MAX_INT_TERMS) {
            return CONV_DEPTHWISE;
        }
        if (groups == 1 && kH * kW * inC <= IM2COL_MAX_PATCH && !c.splitWeight(w)) {
            return CONV_IM2COL;
        }
        return forKernel(call.kernel());
    }

    private static int constant(KernelCall call, int i) {
        return ((KernelArg.IntConst) call.args().get(i)).value();
    }

    private static CGeom geometry(KernelCall call, int i) {
        return CGeom.of((KernelArg.ConvGeometry) call.args().get(i));
    }

    private static CFunction call(String name) {
        return new CFunction(name, Form.CALL);
    }

    private static CFunction of(Kernel k) {
        return switch (k) {
            case CONV2D -> call("tt_conv2d_p");
            case QUANTIZED_ADD -> call("tt_quantized_add");
            case GLOBAL_AVG_POOL -> call("tt_global_avg_pool");
            case DEQUANTIZE -> call("tt_dequantize");
            case LINEAR -> call("tt_linear");
            case MOVE_BYTES -> new CFunction("memmove", Form.MEMMOVE);
            case SOFTMAX_CROSS_ENTROPY -> new CFunction("tt_softmax_cross_entropy_at", Form.CALL_IGNORING_RESULT);
            case LINEAR_INPUT_GRAD -> call("tt_linear_input_grad");
            case LINEAR_WEIGHT_GRAD -> call("tt_linear_weight_grad");
            case DEQUANTIZE_BACKWARD -> call("tt_dequantize_backward");
            case AVG_POOL_BACKWARD -> call("tt_avg_pool_backward");
            case ADD_GRAD -> call("tt_add_grad");
            case ADD_FLOAT -> call("tt_add_f32");
            case MASK_AND_SCALE_OUTPUT_GRAD -> call("tt_mask_and_scale_output_grad");
            case CONV_BIAS_GRAD -> call("tt_conv_bias_grad");
            case CHANNEL_SLICE -> call("tt_channel_slice");
            case SGD_FLOAT -> call("tt_sgd_float");
            case UPDATE_CONV_BIAS -> call("tt_update_conv_bias");
            case CONV_INPUT_GRAD -> call("tt_conv_input_grad_p");
            case CONV_WEIGHT_GRAD -> call("tt_conv_weight_grad_compact");
            case CONV_WEIGHT_GRAD_UPDATE -> call("tt_conv_weight_grad_update");
            case UPDATE_CONV_WEIGHT -> call("tt_update_conv_weight_compact");
            case CONV_BIAS_GRAD_UPDATE -> call("tt_conv_bias_grad_update");
            case LINEAR_WEIGHT_GRAD_UPDATE -> call("tt_linear_weight_grad_update");
            case TFL_CONV2D -> call("tt_tfl_conv2d");
            case TFL_FULLY_CONNECTED -> call("tt_tfl_fully_connected");
            case TFL_ADD -> call("tt_tfl_add");
            case TFL_PAD -> call("tt_tfl_pad");
            case TFL_MEAN -> call("tt_tfl_mean");
            case TFL_POOL -> call("tt_tfl_pool");
            case TFL_CONCAT -> call("tt_tfl_concat");
            case TFL_RELU -> call("tt_tfl_relu");
            case TFL_SOFTMAX -> call("tt_tfl_softmax");
            case TFL_QUANTIZE -> call("tt_tfl_quantize");
            case TFL_PAD_BACKWARD -> call("tt_tfl_pad_backward");
            case TFL_POOL_BACKWARD -> call("tt_tfl_pool_backward");
            case TFL_CONCAT_BACKWARD -> call("tt_tfl_concat_backward");
        };
    }
}
