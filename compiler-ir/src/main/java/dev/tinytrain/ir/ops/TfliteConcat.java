package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TFLite's int8 {@code CONCATENATION} of two tensors along {@code axis}, all of one quantization (what TFLite
 * requires of int8 concatenation), so the result is a plain copy. Longer concatenations are chains of these.
 *
 * @param axis the axis joined (non-negative)
 */
public record TfliteConcat(int axis) implements Op {

    /** Validates the axis. */
    public TfliteConcat {
        if (axis < 0) {
            throw new IllegalArgumentException("tfl.concat axis must be >= 0, is " + axis);
        }
    }

    /** Its gradient needs only the operands' shapes: nothing saved, no update, nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_CONCAT;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value a = in.get(0);
        Value b = in.get(1);
        Checks.dtype(node, a, DType.INT8, "operand 0");
        Checks.dtype(node, b, DType.INT8, "operand 1");
        if (!Checks.perTensor(node, a, "operand 0").equals(Checks.perTensor(node, b, "operand 1"))
                || a.type().layout() != b.type().layout()) {
            Checks.fail(node, "quantization", "operands %" + a.name() + " and %" + b.name()
                    + " must share quantization and layout");
        }
        Shape sa = a.type().shape();
        Shape sb = b.type().shape();
        boolean fits = sa.rank() == sb.rank() && axis < sa.rank();
        for (int d = 0; fits && d < sa.rank(); d++) {
            fits = d == axis || sa.dim(d) == sb.dim(d);
        }
        if (!fits) {
            Checks.fail(node, "shape", "cannot join %" + a.name() + " " + sa + " and %" + b.name() + " " + sb
                    + " along axis " + axis);
        }
        int[] dims = sa.toArray();
        dims[axis] += sb.dim(axis);
        return List.of(a.type().withShape(Shape.of(dims), a.type().layout()));
    }

    /** Elements of {@code v} from {@code axis} on (one contiguous chunk per outer index). */
    public int chunk(Value v) {
        int n = 1;
        for (int d = axis; d < v.type().shape().rank(); d++) {
            n *= v.type().shape().dim(d);
        }
        return n;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("axis", axis);
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("axis", axis);
    }

    static Op fromJson(JsonNode a) {
        return new TfliteConcat(Attr.integer(a, "axis"));
    }
}
