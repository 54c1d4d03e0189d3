package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Optional;

/**
 * float32 fully connected layer {@code y[1,N] = x[1,K] W[N,K]^T + b[N]} (the transfer head), summed over k in
 * increasing order and then the bias added.
 */
public record Linear() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.LINEAR;
    }

    /** Keeps its input (for the weight gradient) and weight (for the input gradient). */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return new OpTraits(Optional.empty(),
                new SavedForBackward(List.of(0, 1), false, SavedForBackward.PartialInput.NOT_PARTIAL),
                InPlaceOperands.NONE);
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        String[] roles = {"input", "weight", "bias"};
        for (int i = 0; i < 3; i++) {
            Checks.dtype(node, in.get(i), DType.FLOAT32, roles[i]);
        }
        Checks.rank(node, in.get(0), 2, "input");
        Checks.rank(node, in.get(1), 2, "weight");
        Checks.rank(node, in.get(2), 1, "bias");
        Shape x = in.get(0).type().shape();
        Shape w = in.get(1).type().shape();
        if (x.dim(0) != 1 || w.dim(1) != x.dim(1) || in.get(2).type().shape().dim(0) != w.dim(0)) {
            Checks.fail(node, "shape", "linear needs input [1,K], weight [N,K], bias [N]; got " + x + ", " + w
                    + ", " + in.get(2).type().shape());
        }
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(1, w.dim(0)), Layout.ROW_MAJOR));
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        TensorType result = results.get(0);
        return in.get(1).type().elementCount();
    }

    static Op fromJson(JsonNode a) {
        return new Linear();
    }
}
