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

/**
 * TFLite's int8 {@code PAD} of the spatial dimensions of an NHWC tensor: new rows and columns hold the input's
 * zero point (a real zero); the quantization is kept.
 *
 * @param top rows added above
 * @param bottom rows added below
 * @param left columns added left
 * @param right columns added right
 */
public record TflitePad(int top, int bottom, int left, int right) implements Op {

    /** Validates the amounts. */
    public TflitePad {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException("tfl.pad amounts must be >= 0");
        }
    }

    /** Its gradient (a crop) needs only the amounts: nothing saved, no update, nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_PAD;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value x = in.get(0);
        Shape s = Checks.int8Nhwc(node, x, "input");
        return List.of(x.type().withShape(Shape.of(s.dim(0), s.dim(1) + top + bottom, s.dim(2) + left + right,
                s.dim(3)), Layout.NHWC));
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
        return new TflitePad(p.get(0), p.get(2), p.get(1), p.get(3));
    }
}
