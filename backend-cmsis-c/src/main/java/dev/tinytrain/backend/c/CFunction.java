package dev.tinytrain.backend.c;

import dev.tinytrain.lowering.Kernel;
import dev.tinytrain.lowering.KernelArg;
import dev.tinytrain.lowering.KernelCall;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The C implementation of a {@link Kernel}: a function of the runtime ({@code tt_kernels.h}, {@code tt_tflite.h})
 * called with the kernel's arguments in order, or the C library's {@code memmove}. The table is an exhaustive switch
 * (a kernel added without its C function does not compile); {@code CFunctionTest} checks each runtime function's
 * prototype against the kernel's signature.
 *
 * @param name the C function
 * @param form how the call is written
 */
record CFunction(String name, Form form) {

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
     * The C function of one call: the fast variant its constant arguments select (a conv gradient's by its
     * geometry, as {@code CFunctionTest} and the conformance tests check every variant against the reference), else
     * {@link #forKernel}.
     */
    static CFunction forCall(KernelCall call) {
        return switch (call.kernel()) {
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
            case CONV_INPUT_GRAD -> List.of(forKernel(kernel), call("tt_conv1x1_input_grad"),
                    call("tt_depthwise_input_grad"));
            case CONV_WEIGHT_GRAD_UPDATE -> List.of(forKernel(kernel), call("tt_conv1x1_weight_grad_update"));
            default -> List.of(forKernel(kernel));
        };
    }

    private static CGeom geometry(KernelCall call, int i) {
        return CGeom.of((KernelArg.ConvGeometry) call.args().get(i));
    }

    private static CFunction call(String name) {
        return new CFunction(name, Form.CALL);
    }

    private static CFunction of(Kernel k) {
        return switch (k) {
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
