package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;

/**
 * Softmax cross-entropy of float32 logits {@code [1,N]} against an int32 label {@code [1]}, batch 1 (mean =
 * identity). Results: the loss {@code float32 [1]} and its gradient with respect to the logits
 * {@code softmax - onehot}, {@code float32 [1,N]}. exp and log are tinytrain's own float32 routines, identical
 * in every backend.
 */
public record SoftmaxCrossEntropy() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.SOFTMAX_CROSS_ENTROPY;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "logits");
        Checks.rank(node, in.get(0), 2, "logits");
        Checks.dtype(node, in.get(1), DType.INT32, "label");
        if (in.get(0).type().shape().dim(0) != 1 || in.get(1).type().elementCount() != 1) {
            Checks.fail(node, "shape", "batch 1 only: logits [1,N] and label [1]");
        }
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(1), Layout.ROW_MAJOR),
                TensorType.of(DType.FLOAT32, in.get(0).type().shape(), Layout.ROW_MAJOR));
    }

    static Op fromJson(JsonNode a) {
        return new SoftmaxCrossEntropy();
    }
}
