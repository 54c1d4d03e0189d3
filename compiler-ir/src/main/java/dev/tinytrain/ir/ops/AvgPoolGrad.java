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
 * Gradient of {@link GlobalAvgPool}: {@code dx[1,H,W,C] = g[c] / (float)(H*W)} at every position.
 *
 * @param height pooled height
 * @param width pooled width
 */
public record AvgPoolGrad(int height, int width) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.AVG_POOL_GRAD;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "g");
        int c = in.get(0).type().shape().dim(-1);
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(1, height, width, c), Layout.NHWC));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("h", height);
        m.put("w", width);
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("h", height);
        out.put("w", width);
    }

    static Op fromJson(JsonNode a) {
        return new AvgPoolGrad(Attr.integer(a, "h"), Attr.integer(a, "w"));
    }
}
