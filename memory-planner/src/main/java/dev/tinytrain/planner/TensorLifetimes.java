package dev.tinytrain.planner;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.OpKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lifetimes of a scheduled graph's arena tensors (graph inputs and node results; parameters live outside the
 * arena). Step 0 is before the first op (the inputs are written), op {@code i} runs at step {@code i + 1};
 * a tensor lives from the step that writes it to the last step that reads it, graph outputs to the end.
 *
 * <p>In-place execution: the result of an elementwise op whose kernel reads element {@code i} before writing
 * element {@code i} shares its operand's buffer when that operand is read for the last time there and has the
 * same size (gradient masking/scaling, add gradients, accumulation, dequantize gradient, reshape, and the
 * residual add, whose forward kernel allows its output over one operand). Such values form one buffer.
 *
 * @param buffers one lifetime per buffer (named after its first value)
 * @param bufferOf value name to the name of the buffer holding it
 */
public record TensorLifetimes(List<BufferLifetime> buffers, Map<String, String> bufferOf) {

    private static final Set<OpKind> IN_PLACE = Set.of(OpKind.CONV_GRAD_OUTPUT, OpKind.ADD_GRAD, OpKind.ACCUMULATE,
            OpKind.DEQUANTIZE_GRAD, OpKind.RESHAPE, OpKind.QUANTIZED_ADD);

    /** Copies the collections. */
    public TensorLifetimes {
        buffers = ImmutableList.copyOf(buffers);
        bufferOf = ImmutableMap.copyOf(bufferOf);
    }

    /**
     * Analyses {@code g}, whose nodes are in execution order.
     *
     * @param inPlace whether to let elementwise results share their operand's buffer
     */
    public static TensorLifetimes of(Graph g, boolean inPlace) {
        List<Node> nodes = g.nodes();
        int end = nodes.size() + 1;
        Map<String, Integer> first = new LinkedHashMap<>();
        Map<String, Integer> last = new HashMap<>();
        Map<String, Long> size = new HashMap<>();
        for (Value in : g.inputs()) {
            first.put(in.name(), 0);
            last.put(in.name(), 0);
            size.put(in.name(), in.type().byteSize());
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (Value in : n.inputs()) {
                if (first.containsKey(in.name())) {
                    last.put(in.name(), i + 1);
                }
            }
            for (Value out : n.outputs()) {
                first.put(out.name(), i + 1);
                last.put(out.name(), i + 1);
                size.put(out.name(), out.type().byteSize());
            }
        }
        for (Value out : g.outputs()) {
            last.put(out.name(), end);
        }
        // in-place: union the result with an operand that dies at this op and has the same size
        Map<String, String> bufferOf = new LinkedHashMap<>();
        first.keySet().forEach(v -> bufferOf.put(v, v));
        if (inPlace) {
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                if (!IN_PLACE.contains(n.op().kind()) || n.outputs().isEmpty()) {
                    continue;
                }
                Value out = n.output();
                int operands = n.op().kind() == OpKind.QUANTIZED_ADD || n.op().kind() == OpKind.ACCUMULATE ? 2 : 1;
                for (int k = 0; k < operands; k++) {
                    Value in = n.inputs().get(k);
                    String buf = find(bufferOf, in.name());
                    boolean diesHere = last.get(in.name()) == i + 1 && groupLast(bufferOf, last, buf) == i + 1;
                    boolean sameSize = size.get(in.name()).equals(size.get(out.name()))
                            && groupSize(bufferOf, size, buf) == size.get(out.name());
                    boolean readOnce = n.inputs().stream().filter(v -> v.name().equals(in.name())).count() == 1;
                    if (first.containsKey(in.name()) && diesHere && sameSize && readOnce
                            && !g.outputs().contains(in)) {
                        bufferOf.put(out.name(), buf);
                        break;
                    }
                }
            }
        }
        Map<String, String> resolved = new LinkedHashMap<>();
        bufferOf.keySet().forEach(v -> resolved.put(v, find(bufferOf, v)));
        Map<String, int[]> span = new LinkedHashMap<>();
        Map<String, Long> bytes = new HashMap<>();
        resolved.forEach((v, b) -> {
            int[] s = span.computeIfAbsent(b, k -> new int[] {Integer.MAX_VALUE, -1});
            s[0] = Math.min(s[0], first.get(v));
            s[1] = Math.max(s[1], last.get(v));
            bytes.merge(b, size.get(v), Math::max);
        });
        List<BufferLifetime> buffers = new ArrayList<>();
        span.forEach((b, s) -> buffers.add(new BufferLifetime(b, bytes.get(b), s[0], s[1])));
        return new TensorLifetimes(buffers, resolved);
    }

    private static String find(Map<String, String> parent, String v) {
        String p = parent.get(v);
        while (!p.equals(parent.get(p))) {
            p = parent.get(p);
        }
        return p;
    }

    private static int groupLast(Map<String, String> parent, Map<String, Integer> last, String buf) {
        int m = -1;
        for (String v : parent.keySet()) {
            if (find(parent, v).equals(buf)) {
                m = Math.max(m, last.get(v));
            }
        }
        return m;
    }

    private static long groupSize(Map<String, String> parent, Map<String, Long> size, String buf) {
        long m = 0;
        for (String v : parent.keySet()) {
            if (find(parent, v).equals(buf)) {
                m = Math.max(m, size.get(v));
            }
        }
        return m;
    }
}
