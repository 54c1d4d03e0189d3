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
 * Gradient of one operand of {@link TfliteConcat} (a plain copy: both operands share the result's quantization):
 * the part of the incoming gradient that operand filled, elements {@code [start, start + length)} along
 * {@code axis}. Operand: g (float32, the concatenation's shape).
 *
 * @param axis the axis joined
 * @param start the operand's first index along the axis
 * @param length the operand's extent along the axis
 */
public record TfliteConcatGrad(int axis, int start, int length) implements Op {

    /** Validates. */
    public TfliteConcatGrad {
        if (axis < 0 || start < 0 || length < 1) {
            throw new IllegalArgumentException("tfl.concat_grad needs axis >= 0, start >= 0 and length >= 1");
        }
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_CONCAT_GRAD;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    /** Elements before the axis (the number of chunks). */
    public static long outer(Shape s, int axis) {
        long n = 1;
        for (int d = 0; d < axis; d++) {
            n *= s.dim(d);
        }
        return n;
    }

    /** Elements of one index along the axis and everything after it. */
    public static long inner(Shape s, int axis) {
        long n = 1;
        for (int d = axis + 1; d < s.rank(); d++) {
            n *= s.dim(d);
        }
        return n;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value g = in.get(0);
        Checks.dtype(node, g, DType.FLOAT32, "g");
        Shape s = g.type().shape();
        if (axis >= s.rank() || start + length > s.dim(axis)) {
            Checks.fail(node, "shape", "[" + start + ", " + (start + length) + ") along axis " + axis
                    + " is not inside g %" + g.name() + " " + s);
        }
        int[] dims = s.toArray();
        dims[axis] = length;
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(dims), g.type().layout()));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("axis", axis);
        m.put("range", List.of(start, length));
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("axis", axis);
        out.putArray("range").add(start).add(length);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> r = Attr.intList(a, "range", 2);
        return new TfliteConcatGrad(Attr.integer(a, "axis"), r.get(0), r.get(1));
    }
}
