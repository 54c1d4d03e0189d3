package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * A conv's bias gradient fused with its in-place update: channel by channel, {@code sum g'} as
 * {@link ConvGradBias} computes it, then applied as {@link SgdUpdate} applies it. Operands: g', bias. No result.
 *
 * @param update the update's definition
 */
public record ConvGradBiasUpdate(SgdUpdate update) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.CONV_GRAD_BIAS_UPDATE;
    }

    /** Writes operand 1 in place (operands: g', bias). */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.update(1, update);
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "g");
        Checks.dtype(node, in.get(1), DType.INT32, "bias");
        if (in.get(0).type().shape().dim(3) != in.get(1).type().elementCount()) {
            Checks.fail(node, "shape", "g %" + in.get(0).name() + " and bias %" + in.get(1).name() + " disagree");
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
        return new ConvGradBiasUpdate((SgdUpdate) SgdUpdate.fromJson(Attr.object(a, "update")));
    }
}
