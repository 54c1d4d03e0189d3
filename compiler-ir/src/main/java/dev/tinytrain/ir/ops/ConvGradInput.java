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
 * Input gradient of a conv: {@code dx = conv_transpose(W, g')} with the int8 weights read as integers (the
 * weights in use when the op runs). Operands: g' (float32 {@code [1,OH,OW,O]}), weight.
 *
 * @param conv the forward conv's attributes (stride, padding, groups)
 * @param inHeight the forward input's height
 * @param inWidth the forward input's width
 * @param inChannels the forward input's channels
 */
public record ConvGradInput(Conv2d conv, int inHeight, int inWidth, int inChannels) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.CONV_GRAD_INPUT;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "g");
        Checks.rank(node, in.get(0), 4, "g");
        Checks.dtype(node, in.get(1), DType.INT8, "weight");
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(1, inHeight, inWidth, inChannels), Layout.NHWC));
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        Shape ws = in.get(1).type().shape();
        long per = in.get(1).type().layout() == Layout.DEPTHWISE ? (long) ws.dim(1) * ws.dim(2)
                : (long) ws.dim(1) * ws.dim(2) * ws.dim(3);
        return in.get(0).type().elementCount() * per;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stride", conv.stride());
        m.put("pad", List.of(conv.padTop(), conv.padLeft(), conv.padBottom(), conv.padRight()));
        m.put("groups", conv.groups());
        m.put("in", List.of(inHeight, inWidth, inChannels));
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        ConvGradWeight.writeConv(out, conv);
        out.putArray("in").add(inHeight).add(inWidth).add(inChannels);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> inShape = Attr.intList(a, "in", 3);
        return new ConvGradInput(ConvGradWeight.readConv(a), inShape.get(0), inShape.get(1), inShape.get(2));
    }
}
