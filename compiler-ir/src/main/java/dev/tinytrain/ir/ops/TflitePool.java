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
 * TFLite's int8 {@code MAX_POOL_2D} / {@code AVERAGE_POOL_2D} (reference kernels): windows clipped to the input
 * (padding is never read), max, or the sum divided by the number of taps read, rounded half away from zero in
 * integer arithmetic; then clamped to {@code [actMin, actMax]}. The quantization is kept.
 *
 * @param max true for max pooling, false for average pooling
 * @param filterH window height
 * @param filterW window width
 * @param strideH stride along the height
 * @param strideW stride along the width
 * @param padTop rows of padding above
 * @param padLeft columns of padding left
 * @param padBottom rows of padding below
 * @param padRight columns of padding right
 * @param actMin lower clamp
 * @param actMax upper clamp
 */
public record TflitePool(boolean max, int filterH, int filterW, int strideH, int strideW, int padTop, int padLeft,
                         int padBottom, int padRight, int actMin, int actMax) implements Op {

    /** Validates attribute ranges. */
    public TflitePool {
        if (filterH < 1 || filterW < 1 || strideH < 1 || strideW < 1 || padTop < 0 || padLeft < 0 || padBottom < 0
                || padRight < 0 || padTop >= filterH || padLeft >= filterW || padBottom >= filterH
                || padRight >= filterW) {
            throw new IllegalArgumentException("tfl.pool needs a window and strides >= 1 and padding smaller than"
                    + " the window (every window reads at least one element)");
        }
        if (actMin < -128 || actMax > 127 || actMin > actMax) {
            throw new IllegalArgumentException("tfl.pool clamp [" + actMin + ", " + actMax + "] is not within int8");
        }
    }

    /** Keeps its input: the gradient finds each window's first maximum (or the clamp) in it. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return new OpTraits(java.util.Optional.empty(),
                new SavedForBackward(List.of(0), false, SavedForBackward.PartialInput.NOT_PARTIAL),
                InPlaceOperands.NONE);
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_POOL;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value x = in.get(0);
        Shape s = Checks.int8Nhwc(node, x, "input");
        Shape ys = new Window(filterH, filterW, strideH, strideW, padTop, padLeft, padBottom, padRight)
                .outputShape(node, x, "window", s.dim(3));
        return List.of(x.type().withShape(ys, Layout.NHWC));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", max ? 1 : 0);
        m.put("window", List.of(filterH, filterW));
        m.put("stride", List.of(strideH, strideW));
        m.put("pad", List.of(padTop, padLeft, padBottom, padRight));
        m.put("clamp", List.of(actMin, actMax));
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("max", max);
        out.putArray("window").add(filterH).add(filterW);
        out.putArray("stride").add(strideH).add(strideW);
        out.putArray("pad").add(padTop).add(padLeft).add(padBottom).add(padRight);
        out.putArray("clamp").add(actMin).add(actMax);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> w = Attr.intList(a, "window", 2);
        List<Integer> s = Attr.intList(a, "stride", 2);
        List<Integer> p = Attr.intList(a, "pad", 4);
        List<Integer> c = Attr.intList(a, "clamp", 2);
        return new TflitePool(Attr.bool(a, "max", false), w.get(0), w.get(1), s.get(0), s.get(1), p.get(0), p.get(1),
                p.get(2), p.get(3), c.get(0), c.get(1));
    }
}
