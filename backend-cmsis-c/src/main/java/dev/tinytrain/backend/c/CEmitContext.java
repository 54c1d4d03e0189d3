package dev.tinytrain.backend.c;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.util.List;

/**
 * What an op emitter may use while a step function's body is written: arena offsets from the layout, the C
 * storage of parameters, {@code static const} tables (deduplicated), exact float literals, and the statement
 * sink. Each emitter writes exactly the kernel call the JVM emitter of the same op kind makes (same kernel, same
 * arguments), so the C step is byte-identical to the JVM step.
 */
public interface CEmitContext {

    /** The graph being emitted. */
    Graph graph();

    /** The arena pointer expression ({@code int8_t *}). */
    String arena();

    /** The arena offset of {@code v} as an integer literal. */
    String off(Value v);

    /** True when {@code v} has a place in the arena (parameters do not). */
    boolean inArena(Value v);

    /**
     * True when the function being written reads {@code v} ({@code Graph.valuesRead} of its nodes) or {@code v} is
     * a tap: {@code tt_infer} reads no clamp mask, so its convs and adds write none.
     */
    boolean read(Value v);

    /** A pointer to the {@code tt_weight} of an int8 conv weight parameter (whole or split). */
    String weight(Value param);

    /**
     * The values of an int8 weight no update changes (frozen, so a compile-time constant), or empty for a trained
     * weight (whole or split).
     */
    java.util.Optional<byte[]> constantWeight(Value param);

    /** True when the int8 weight is split into frozen and trainable channels (see {@code tt_weight}). */
    boolean splitWeight(Value param);

    /**
     * The forward's bias arguments {@code bias_q, bias_f} of an int32 conv bias: its int32 array, or, when it trains
     * in {@code float_master} mode, its float32 master copy (which is what the JVM's float view holds).
     */
    List<String> biasArgs(Value param);

    /** The (SRAM) int32 array of a trained conv bias. */
    String int32Param(Value param);

    /** The int32 array of a bias, frozen (Flash) or trained (SRAM). */
    String int32Array(Value param);

    /** The float32 master copy of a parameter that trains in {@code float_master} mode. */
    String masterArray(Value param);

    /** The float32 master copy of a parameter when {@code update} rounds in {@code float_master} mode, else NULL. */
    String master(Value param, SgdUpdate update);

    /** The float32 array of a float parameter (the head). */
    String floatParam(Value param);

    /** A {@code static const float} table with these values (NULL for null). */
    String floats(float[] values);

    /** A {@code static const int8_t} table with these values (NULL for null or empty). */
    String int8s(byte[] values);

    /** A {@code static const int32_t} table with these values (NULL for null or empty). */
    String ints(List<Integer> values);

    /** A {@code static const int64_t} table with these values. */
    String int64s(long[] values);

    /** A pointer to a {@code static const tt_conv_geom}. */
    String geom(CGeom g);

    /** An exact float32 literal. */
    String f(float v);

    /** The rounding-mode enumerator of {@code update}. */
    String mode(SgdUpdate update);

    /**
     * The expression of learning rate {@code lr} at the current step: the rate times the runtime scale
     * ({@code tt_set_lr_scale}), one float32 multiply as on the JVM.
     */
    String lr(float lr);

    /** The learning-rate expression of {@code update} at the current step (see {@link #lr(float)}). */
    default String lr(SgdUpdate update) {
        return lr(update.lr());
    }

    /** The stochastic-rounding key expression of parameter {@code paramId} at the current step. */
    String rngKey(int paramId);

    /** The stochastic-rounding key expression of {@code update} at the current step. */
    default String rngKey(SgdUpdate update) {
        return rngKey(update.paramId());
    }

    /** Appends the statement {@code function(args...);}. */
    void call(String function, String... args);

    /** Appends one raw statement or comment line. */
    void statement(String line);
}
