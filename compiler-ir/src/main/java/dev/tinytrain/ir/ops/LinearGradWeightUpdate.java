package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * The head's weight gradient fused with its update: {@code W[j,k] = fma(-lr, dy[j] * x[k], W[j,k])}, bit for
 * bit what {@link LinearGradWeight} then {@link SgdUpdate} give. Operands: dy, x, weight. No result.
 *
 * @param update the update's definition
 */
public record LinearGradWeightUpdate(SgdUpdate update) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.LINEAR_GRAD_WEIGHT_UPDATE;
    }

    /** Writes operand 2 in place (operands: dy, x, weight). */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.update(2, update);
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "dy");
        Checks.dtype(node, in.get(1), DType.FLOAT32, "x");
        Checks.dtype(node, in.get(2), DType.FLOAT32, "weight");
        if (in.get(2).type().elementCount() != in.get(0).type().elementCount() * in.get(1).type().elementCount()) {
            Checks.fail(node, "shape", "weight %" + in.get(2).name() + " is not [N,K] for dy and x");
        }
        return List.of();
    }

    @Override
    public Map<String, Object> attributes() {
        return update.attributes();
    }

    @Override
    public void writeJson(ObjectNode out) {
        update.writeJson(out.putObject("update"));
    }

    static Op fromJson(JsonNode a) {
        return new LinearGradWeightUpdate((SgdUpdate) SgdUpdate.fromJson(Attr.object(a, "update")));
    }
}
