package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reinterprets a tensor's elements, in storage order, with another shape and layout (e.g. flattening the pooled
 * {@code [1,1,1,C]} map to {@code [1,C]}). Element type and quantization are kept.
 *
 * @param shape the new shape (same element count)
 * @param layout the new layout
 */
public record Reshape(Shape shape, Layout layout) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.RESHAPE;
    }

    /** The result is the operand's bytes reinterpreted. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.inPlace(InPlaceOperands.of(0));
    }

    /** A reshaped gradient (the head bias's, from the logits gradient): the update reads the operand directly. */
    @Override
    public Optional<FusedUpdate> fuseUpdate(SgdUpdate update, List<Value> operands, Value parameter) {
        return Optional.of(new FusedUpdate(update, List.of(parameter, operands.get(0))));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value x = in.get(0);
        if (x.type().elementCount() != shape.elementCount()) {
            Checks.fail(node, "shape", "cannot reshape %" + x.name() + " " + x.type().shape() + " to " + shape);
        }
        if (x.type().quantization().isPresent() && !x.type().quantization().get().isPerTensor()) {
            Checks.fail(node, "quantization", "cannot reshape per-channel quantized %" + x.name());
        }
        return List.of(x.type().withShape(shape, layout));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", shape);
        m.put("layout", layout.irName());
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        ArrayNodes.ints(out.putArray("shape"), shape.dims());
        out.put("layout", layout.irName());
    }

    static Op fromJson(JsonNode a) {
        return new Reshape(new Shape(Attr.intList(a, "shape", -1)), Attr.layout(a, "layout"));
    }
}
