package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;

/**
 * int8 global average pool {@code [1,H,W,C] -> [1,1,1,C]}, keeping the input's quantization:
 * {@code out[c] = rne(fl32(sum) / (H*W))}, {@code ../models/FORMAT.md} §3.4.
 */
public record GlobalAvgPool() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.GLOBAL_AVG_POOL;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value x = in.get(0);
        Checks.int8Nhwc(node, x, "input");
        return List.of(x.type().withShape(Shape.of(1, 1, 1, x.type().shape().dim(3)), Layout.NHWC));
    }

    static Op fromJson(JsonNode a) {
        return new GlobalAvgPool();
    }
}
