package dev.tinytrain.backend.c;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The case kinds the conformance driver ({@code tt_conformance_driver.c}) understands: the number written in
 * {@code cases.bin}, the names of the buffers ("blobs") the case carries (for readable mismatch reports), and the
 * C functions a case of this kind calls (checked by {@link KernelCoverageTest}: every C kernel is exercised).
 *
 * <p>The argument layout of each kind (which int / float / blob is which argument) is the {@code switch} in the
 * driver; {@link ConformanceCases} writes it in the same order. The driver's {@code #define TTC_<NAME> <id>}
 * header is generated from this enum, so the numbers cannot drift.
 */
enum CKernel {
    CONV2D(1, List.of("arena", "weight", "bias", "eff"), "tt_conv2d"),
    QUANTIZED_ADD(2, List.of("arena"), "tt_quantized_add"),
    GLOBAL_AVG_POOL(3, List.of("arena"), "tt_global_avg_pool"),
    DEQUANTIZE(4, List.of("arena"), "tt_dequantize"),
    LINEAR(5, List.of("arena", "weight", "bias"), "tt_linear"),
    ARENA_ACCESS(6, List.of("arena", "maskBitsAndBytes"),
            "tt_get_f32", "tt_put_f32", "tt_get_i32", "tt_put_i32", "tt_get_mask_bit", "tt_mask_bytes"),
    CONV_GEOM(7, List.of("fields", "channels"),
            "tt_conv_geom_of", "tt_conv_geom_valid", "tt_conv_geom_depthwise", "tt_conv_geom_in_per_group",
            "tt_conv_geom_out_per_group", "tt_conv_geom_weight_count", "tt_conv_geom_out_positions",
            "tt_conv_geom_weight_index", "tt_conv_geom_channel_workspace_floats"),
    CONV_GEOM_VALID(8, List.of("valid"), "tt_conv_geom_valid"),
    APPLY_CLAMP_MASK(9, List.of("arena"), "tt_apply_clamp_mask"),
    MASK_AND_SCALE_OUTPUT_GRAD(11, List.of("arena", "eff"), "tt_mask_and_scale_output_grad"),
    CONV_INPUT_GRAD(12, List.of("arena", "weight"), "tt_conv_input_grad"),
    CONV_BIAS_GRAD_CHANNEL(13, List.of("arena"), "tt_conv_bias_grad_channel"),
    CONV_BIAS_GRAD(14, List.of("arena"), "tt_conv_bias_grad"),
    CONV_WEIGHT_GRAD_CHANNEL(15, List.of("arena", "channels"), "tt_conv_weight_grad_channel"),
    CONV_WEIGHT_GRAD(16, List.of("arena", "channels"), "tt_conv_weight_grad"),
    ADD_BACKWARD(17, List.of("arena"), "tt_add_backward"),
    AVG_POOL_BACKWARD(19, List.of("arena"), "tt_avg_pool_backward"),
    DEQUANTIZE_BACKWARD(20, List.of("arena"), "tt_dequantize_backward"),
    LINEAR_INPUT_GRAD(21, List.of("arena", "weight"), "tt_linear_input_grad"),
    LINEAR_WEIGHT_GRAD_ROW(22, List.of("arena"), "tt_linear_weight_grad_row"),
    LINEAR_WEIGHT_GRAD(23, List.of("arena"), "tt_linear_weight_grad"),
    SOFTMAX_CROSS_ENTROPY(25, List.of("arena"), "tt_softmax_cross_entropy"),
    EXPF(26, List.of("x", "exp(x)"), "tt_expf"),
    LOGF(27, List.of("x", "log(x)"), "tt_logf"),
    RNG(28, List.of("seed,step,paramId,index", "fmix32,key,bits,uniform"),
            "tt_rng_fmix32", "tt_rng_key", "tt_rng_bits", "tt_rng_uniform"),
    QAS_SCALARS(29, List.of("eff,yScale,xScale,g", "biasDiv,weightDiv,qas"),
            "tt_qas_bias_divisor", "tt_qas_weight_divisor", "tt_qas"),
    QAS_DIVISORS(30, List.of("eff", "biasDivisors", "weightDivisors"),
            "tt_qas_bias_divisors", "tt_qas_weight_divisors"),
    ROUNDING(32, List.of("p,u", "weightNE,weightSt,biasNE,biasSt"),
            "tt_round_weight_nearest_even", "tt_round_weight_stochastic", "tt_round_bias_nearest_even",
            "tt_round_bias_stochastic"),
    UPDATE_CONV_WEIGHT_CHANNEL(33, List.of("arena", "channels", "weight", "master"), "tt_update_conv_weight_channel"),
    UPDATE_CONV_WEIGHT(34, List.of("arena", "channels", "weight", "master", "qasDivisors"), "tt_update_conv_weight"),
    UPDATE_BIAS_CHANNEL(35, List.of("bias", "master"), "tt_update_bias_channel"),
    UPDATE_BIAS(36, List.of("arena", "bias", "master", "qasDivisors"), "tt_update_bias"),
    SGD_FLOAT(37, List.of("arena", "param"), "tt_sgd_float"),
    MASTER_OF_WEIGHTS(38, List.of("weight", "master"), "tt_master_of_weights"),
    MASTER_OF_BIASES(39, List.of("bias", "master"), "tt_master_of_biases"),
    // parameter storage of generated models (split weights, int32 biases): compared with the whole-array Java kernel
    CONV2D_P(40, List.of("arena", "frozen", "trained", "slot", "trainedCh", "frozenCh", "biasQ", "biasF", "eff"),
            "tt_conv2d_p"),
    CONV_INPUT_GRAD_P(41, List.of("arena", "frozen", "trained", "slot", "trainedCh", "frozenCh"),
            "tt_conv_input_grad_p"),
    UPDATE_CONV_WEIGHT_CHANNEL_P(42, List.of("arena", "channels", "frozen", "trained", "slot", "trainedCh",
            "frozenCh", "master"), "tt_update_conv_weight_channel_p"),
    // StepKernels
    ADD_F32(43, List.of("arena"), "tt_add_f32"),
    ADD_GRAD(44, List.of("arena"), "tt_add_grad"),
    CHANNEL_SLICE(45, List.of("arena", "channels"), "tt_channel_slice"),
    CONV_WEIGHT_GRAD_COMPACT(46, List.of("arena", "channels"), "tt_conv_weight_grad_compact"),
    UPDATE_CONV_WEIGHT_COMPACT(47, List.of("arena", "channels", "frozen", "trained", "slot", "trainedCh",
            "frozenCh", "master", "qasDivisors"), "tt_update_conv_weight_compact"),
    UPDATE_CONV_BIAS(48, List.of("arena", "bias", "master", "qasDivisors"), "tt_update_conv_bias"),
    CONV_WEIGHT_GRAD_UPDATE(49, List.of("arena", "channels", "frozen", "trained", "slot", "trainedCh", "frozenCh",
            "master", "qasDivisors"), "tt_conv_weight_grad_update"),
    CONV_BIAS_GRAD_UPDATE(50, List.of("arena", "bias", "master", "qasDivisors"), "tt_conv_bias_grad_update"),
    LINEAR_WEIGHT_GRAD_UPDATE(51, List.of("arena", "weight"), "tt_linear_weight_grad_update"),
    SOFTMAX_CROSS_ENTROPY_AT(52, List.of("arena"), "tt_softmax_cross_entropy_at"),
    STEP_RNG_KEY(53, List.of("step,seed,paramId", "key"), "tt_step_rng_key"),
    // fast variants the emitter selects per node: compared with the Java reference kernel they must equal
    CONV1X1(54, List.of("arena", "frozen", "trained", "slot", "trainedCh", "frozenCh", "zw", "biasQ", "biasF", "eff"),
            "tt_conv1x1"),
    DEPTHWISE_CONV(55, List.of("arena", "weight", "bias", "eff"), "tt_depthwise_conv"),
    CONV_IM2COL(57, List.of("arena", "frozen", "trained", "slot", "trainedCh", "frozenCh", "zw", "biasQ", "biasF",
            "eff"), "tt_conv_im2col"),
    CONV1X1_INPUT_GRAD(58, List.of("arena", "frozen", "trained", "slot", "trainedCh", "frozenCh"),
            "tt_conv1x1_input_grad"),
    DEPTHWISE_INPUT_GRAD(59, List.of("arena", "frozen", "trained", "slot", "trainedCh", "frozenCh"),
            "tt_depthwise_input_grad"),
    CONV1X1_WEIGHT_GRAD_UPDATE(60, List.of("arena", "channels", "frozen", "trained", "slot", "trainedCh", "frozenCh",
            "master", "qasDivisors"), "tt_conv1x1_weight_grad_update"),
    DEPTHWISE_CONV_STORAGE(56, List.of("arena", "frozen", "trained", "slot", "trainedCh", "frozenCh", "biasQ", "biasF",
            "eff"), "tt_depthwise_conv"),
    // the channel-streamed backward region (issue 15)
    STREAMED_BACKWARD(61, List.of("arena", "projFrozen", "projTrained", "projSlot", "projTrainedCh", "projFrozenCh",
            "dwFrozen", "dwTrained", "dwSlot", "dwTrainedCh", "dwFrozenCh", "expFrozen", "expTrained", "expSlot",
            "expTrainedCh", "expFrozenCh", "dwEff", "expEff", "dwBias", "dwBiasMaster", "expBias", "expBiasMaster",
            "dwWeightMaster", "expWeightMaster", "qasDivisors", "dwChannels", "expChannels"), "tt_streamed_backward"),
    // a band region's depthwise conv with its expansion fused in (issue 15)
    EXPAND_DEPTHWISE_ROWS(62, List.of("arena", "expBiasF", "expBiasQ", "expZw", "expEff", "dwGrouped", "dwBiasQ",
            "dwBiasF", "dwEff", "expWeight"), "tt_expand_depthwise_rows");

    final int id;
    final List<String> blobNames;
    final List<String> cFunctions;

    CKernel(int id, List<String> blobNames, String... cFunctions) {
        this.id = id;
        this.blobNames = blobNames;
        this.cFunctions = List.of(cFunctions);
    }

    /** @return every C function some case kind calls */
    static Set<String> exercisedFunctions() {
        Set<String> all = new LinkedHashSet<>();
        for (CKernel k : values()) {
            all.addAll(k.cFunctions);
        }
        return all;
    }

    /** @return the driver's header: one {@code #define TTC_<NAME> <id>} per kind */
    static String idsHeader() {
        StringBuilder sb = new StringBuilder();
        sb.append("/* generated by the Java tests from dev.tinytrain.backend.c.CKernel: do not edit */\n");
        sb.append("#ifndef TT_CONFORMANCE_IDS_H\n#define TT_CONFORMANCE_IDS_H\n");
        for (CKernel k : values()) {
            sb.append("#define TTC_").append(k.name()).append(' ').append(k.id).append('\n');
        }
        sb.append("#endif\n");
        return sb.toString();
    }
}
