package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Weight gradient of a conv for the trainable channels:
 * {@code dW[o,i,kh,kw] = sum_{y,x} (x[..,i] - x_zero) * g'[o,y,x]} (padding contributes 0). Operands: x, the
 * saved int8 input, g', and the weight (for its shape). For a dense conv x holds exactly the trainable input
 * channels (all of them, or a {@link ChannelSlice}) and the result is {@code [O,KH,KW,k]} (OHWI restricted to
 * the trainable channels); for a depthwise conv x holds every channel and the result is {@code [k,KH,KW]}
 * row-major. Either way each output channel's gradient is contiguous, so an update can follow it channel by
 * channel.
 *
 * @param conv the forward conv's attributes
 * @param channels trainable channel indices in increasing order (empty = all)
 */
public record ConvGradWeight(Conv2d conv, List<Integer> channels) implements Op {

    /** Copies the list. */
    public ConvGradWeight {
        channels = ImmutableList.copyOf(channels);
    }

    @Override
    public OpKind kind() {
        return OpKind.CONV_GRAD_WEIGHT;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    /** Fused as {@link ConvGradWeightUpdate} over the same operands (x, g', weight), channel by channel. */
    @Override
    public Optional<FusedUpdate> fuseUpdate(SgdUpdate update, List<Value> operands, Value parameter) {
        return Optional.of(new FusedUpdate(new ConvGradWeightUpdate(this, update), operands));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.INT8, "x");
        Checks.perTensor(node, in.get(0), "x");
        Checks.dtype(node, in.get(1), DType.FLOAT32, "g");
        Checks.dtype(node, in.get(2), DType.INT8, "weight");
        Value w = in.get(2);
        Shape ws = w.type().shape();
        boolean dw = w.type().layout() == Layout.DEPTHWISE;
        int all = ws.dim(3);
        int k = channels.isEmpty() ? all : channels.size();
        int expected = dw ? all : channels.isEmpty() ? all * conv.groups() : k;
        if (in.get(0).type().shape().dim(3) != expected) {
            Checks.fail(node, "shape", "saved input %" + in.get(0).name() + " " + in.get(0).type().shape()
                    + " must hold " + expected + " channels");
        }
        if (dw) {
            return List.of(TensorType.of(DType.FLOAT32, Shape.of(k, ws.dim(1), ws.dim(2)), Layout.ROW_MAJOR));
        }
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(ws.dim(0), ws.dim(1), ws.dim(2), k), Layout.OHWI));
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        // every gradient element sums over the output positions
        return results.get(0).elementCount() * in.get(1).type().shape().dim(1) * in.get(1).type().shape().dim(2);
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stride", conv.stride());
        m.put("pad", List.of(conv.padTop(), conv.padLeft(), conv.padBottom(), conv.padRight()));
        m.put("groups", conv.groups());
        if (!channels.isEmpty()) {
            m.put("channels", channels);
        }
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        writeConv(out, conv);
        ArrayNodes.ints(out.putArray("channels"), channels);
    }

    static Op fromJson(JsonNode a) {
        return new ConvGradWeight(readConv(a), Attr.intList(a, "channels", -1));
    }

    static void writeConv(ObjectNode out, Conv2d conv) {
        out.put("stride", conv.stride());
        out.putArray("pad").add(conv.padTop()).add(conv.padLeft()).add(conv.padBottom()).add(conv.padRight());
        out.put("groups", conv.groups());
    }

    static Conv2d readConv(JsonNode a) {
        List<Integer> pad = Attr.intList(a, "pad", 4);
        // the output quantization does not matter to gradient ops; a unit placeholder keeps Conv2d's invariants
        return new Conv2d(Attr.integer(a, "stride"), pad.get(0), pad.get(1), pad.get(2), pad.get(3),
                Attr.integer(a, "groups"), Quantization.perTensor(1, 0), false);
    }
}
