package dev.tinytrain.ir.text;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prints a graph as stable, readable text: one line per input, parameter and node. Pass tests compare these
 * dumps before and after a pass. The format is deterministic (no hash-ordered maps, scales printed as the
 * shortest decimal that parses back to the same double; per-channel scales summarised by count).
 *
 * <pre>
 * graph "tiny" {
 *   input %input : int8[1,8,8,3] nhwc q(0.00784313725490196,0)
 *   param %conv.weight : int8[4,3,3,3] ohwi qc(axis=0,n=4) frozen
 *   %conv = conv2d(%input, %conv.weight, %conv.bias) {stride=1, pad=[1,1,1,1], groups=1, out=q(0.02,-128)} : int8[1,8,8,4] nhwc q(0.02,-128)
 *   return %conv
 * }
 * </pre>
 */
public final class IrPrinter {
    private IrPrinter() {
    }

    /** The text form of {@code g}. */
    public static String print(Graph g) {
        StringBuilder sb = new StringBuilder();
        sb.append("graph \"").append(g.name()).append("\" {\n");
        for (Value in : g.inputs()) {
            sb.append("  input %").append(in.name()).append(" : ").append(type(in.type())).append('\n');
        }
        for (Parameter p : g.parameters()) {
            sb.append("  param %").append(p.name()).append(" : ").append(type(p.value().type())).append(' ')
                    .append(trainability(p)).append('\n');
        }
        for (Node n : g.nodes()) {
            sb.append("  ").append(node(n)).append('\n');
        }
        sb.append("  return ").append(g.outputs().stream().map(v -> "%" + v.name())
                .collect(Collectors.joining(", "))).append('\n');
        sb.append("}\n");
        return sb.toString();
    }

    /** One node line (without indentation). */
    public static String node(Node n) {
        StringBuilder sb = new StringBuilder();
        if (!n.outputs().isEmpty()) {
            sb.append(n.outputs().stream().map(v -> "%" + v.name()).collect(Collectors.joining(", "))).append(" = ");
        }
        sb.append(n.op().kind().irName());
        if (n.outputs().isEmpty() || !n.name().equals(n.output().name())) {
            sb.append('[').append(n.name()).append(']');
        }
        sb.append('(').append(n.inputs().stream().map(v -> "%" + v.name()).collect(Collectors.joining(", ")))
                .append(')');
        Map<String, Object> attrs = n.op().attributes();
        if (!attrs.isEmpty()) {
            sb.append(" {").append(attrs.entrySet().stream().map(e -> e.getKey() + "=" + attr(e.getValue()))
                    .collect(Collectors.joining(", "))).append('}');
        }
        if (!n.outputs().isEmpty()) {
            sb.append(" : ").append(n.outputs().stream().map(v -> type(v.type())).collect(Collectors.joining(", ")));
        }
        return sb.toString();
    }

    /** A type such as {@code int8[1,64,64,16] nhwc q(0.0235,-128)}. */
    public static String type(TensorType t) {
        String s = t.dtype().irName() + t.shape() + " " + t.layout().irName();
        return t.quantization().map(q -> s + " " + quantization(q)).orElse(s);
    }

    private static String quantization(Quantization q) {
        if (q.isPerTensor()) {
            return "q(" + q.scale() + "," + q.zeroPoint() + ")";
        }
        return "qc(axis=" + q.axis() + ",n=" + q.scales().size() + ")";
    }

    private static String trainability(Parameter p) {
        if (!p.trainability().trainable()) {
            return "frozen";
        }
        return p.trainability().allChannels() ? "trainable" : "trainable channels=" + p.trainability().channels();
    }

    private static String attr(Object v) {
        if (v instanceof Quantization q) {
            return quantization(q);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(IrPrinter::attr).collect(Collectors.joining(",", "[", "]"));
        }
        if (v instanceof Map<?, ?> m) { // a nested op's attributes (the layers of a band region)
            return m.entrySet().stream().map(e -> e.getKey() + "=" + attr(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        return String.valueOf(v);
    }
}
