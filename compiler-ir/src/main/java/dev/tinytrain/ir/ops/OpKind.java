package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;

/**
 * Every op kind of the IR. Modules that must handle every kind (gradient rules, JVM kernels, C emitters) keep a
 * registry keyed by this enum, and each has a test that fails when a kind has no entry.
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
    RESHAPE("reshape", 1, Reshape::fromJson);

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

    /** Number of operands. */
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
