package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;

/**
 * int8 to float32 with the operand's per-tensor quantization: {@code (q - zero) * fl32(scale)}, the input of the
 * float transfer head.
 */
public record Dequantize() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.DEQUANTIZE;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.INT8, "input");
        Checks.perTensor(node, in.get(0), "input");
        return List.of(TensorType.of(DType.FLOAT32, in.get(0).type().shape(), in.get(0).type().layout()));
    }

    static Op fromJson(JsonNode a) {
        return new Dequantize();
    }
}
