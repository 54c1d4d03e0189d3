package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies the listed channels of an NHWC tensor into a smaller one (same element type and quantization), so a
 * partially trained layer saves only its trainable input channels for backward.
 *
 * @param channels channel indices in increasing order
 */
public record ChannelSlice(List<Integer> channels) implements Op {

    /** Copies the list. */
    public ChannelSlice {
        channels = ImmutableList.copyOf(channels);
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("channel_slice needs at least one channel");
        }
    }

    @Override
    public OpKind kind() {
        return OpKind.CHANNEL_SLICE;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.layout(node, in.get(0), Layout.NHWC, "input");
        Checks.rank(node, in.get(0), 4, "input");
        Shape s = in.get(0).type().shape();
        int c = s.dim(3);
        for (int i = 0; i < channels.size(); i++) {
            if (channels.get(i) < 0 || channels.get(i) >= c || (i > 0 && channels.get(i) <= channels.get(i - 1))) {
                Checks.fail(node, "channels", "channels must be increasing and within [0, " + c + "): " + channels);
            }
        }
        return List.of(in.get(0).type().withShape(Shape.of(1, s.dim(1), s.dim(2), channels.size()), Layout.NHWC));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channels", channels);
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        ArrayNodes.ints(out.putArray("channels"), channels);
    }

    static Op fromJson(JsonNode a) {
        return new ChannelSlice(Attr.intList(a, "channels", -1));
    }
}
