package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * Gradient of {@link TflitePad}: the incoming gradient cropped back to the input, {@code dx[y,x,c] =
 * g[y + top, x + left, c]} (the padding is a constant, its gradient goes nowhere). Operand: g (float32
 * {@code [1,H,W,C]} nhwc, the pad's output shape).
 *
 * @param pad the forward pad
 */
public record TflitePadGrad(TflitePad pad) implements Op {

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
        int h = s.dim(1) - pad.top() - pad.bottom();
        int w = s.dim(2) - pad.left() - pad.right();
        if (h < 1 || w < 1) {
            Checks.fail(node, "shape", "g %" + g.name() + " " + s + " is smaller than its padding");
        }
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(1, h, w, s.dim(3)), Layout.NHWC));
    }

    @Override
    public Map<String, Object> attributes() {
        return pad.attributes();
    }

    @Override
    public void writeJson(ObjectNode out) {
        pad.writeJson(out);
    }

    static Op fromJson(JsonNode a) {
        return new TflitePadGrad((TflitePad) TflitePad.fromJson(a));
    }
}
