package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gradient of {@link TflitePad}: the incoming gradient cropped back to the input, {@code dx[y,x,c] =
 * g[y + top, x + left, c]} (the padding is a constant, its gradient goes nowhere). Operand: g (float32
 * {@code [1,H,W,C]} nhwc, the pad's output shape).
 *
 * @param top rows the pad added above
 * @param bottom rows added below
 * @param left columns added left
 * @param right columns added right
 */
public record TflitePadGrad(int top, int bottom, int left, int right) implements Op {

    /** Validates the amounts. */
    public TflitePadGrad {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException("tfl.pad_grad amounts must be >= 0");
        }
    }

    /** The gradient of {@code pad}. */
    public static TflitePadGrad of(TflitePad pad) {
        return new TflitePadGrad(pad.top(), pad.bottom(), pad.left(), pad.right());
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_PAD_GRAD;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value g = in.get(0);
        Checks.dtype(node, g, DType.FLOAT32, "g");
        Checks.rank(node, g, 4, "g");
        Shape s = g.type().shape();
        int h = s.dim(1) - top - bottom;
        int w = s.dim(2) - left - right;
        if (h < 1 || w < 1) {
            Checks.fail(node, "shape", "g %" + g.name() + " " + s + " is smaller than its padding");
        }
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(1, h, w, s.dim(3)), Layout.NHWC));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pad", List.of(top, left, bottom, right));
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.putArray("pad").add(top).add(left).add(bottom).add(right);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> p = Attr.intList(a, "pad", 4);
        return new TflitePadGrad(p.get(0), p.get(2), p.get(1), p.get(3));
    }
}
