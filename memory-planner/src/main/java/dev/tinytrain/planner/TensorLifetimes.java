package dev.tinytrain.planner;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.ir.ops.Conv2d;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lifetimes of a scheduled graph's arena tensors (graph inputs and node results; parameters live outside the
 * arena). Step 0 is before the first op (the inputs are written), op {@code i} runs at step {@code i + 1};
 * a tensor lives from the step that writes it to the last step that reads it, graph outputs to the end.
 *
 * <p>In-place execution: the result of an op shares the buffer of an operand its op allows it to overwrite
 * ({@link dev.tinytrain.ir.ops.InPlaceOperands#sameOffset}, tried in the op's order: gradient masking/scaling,
 * add gradients, accumulation, dequantize gradient, reshape, and the residual add) when that operand is read for
 * the last time there and has the same size. Such values form one buffer.
 *
 * <p>An op that allows a {@link dev.tinytrain.ir.ops.InPlaceOperands#leadOffset lead offset} (a depthwise
 * convolution) also shares its input's buffer when the input dies there: the output
 * starts {@link DepthwiseInPlace#minimumLead lead} bytes (rounded up to the alignment) before the input, so the
 * buffer holds {@code max(lead + input, output)} bytes instead of {@code input + output}. Each such conv is taken
 * only when it helps the plan: lead smaller than the output, LOAD not larger, bytes x steps smaller.
 *
 * @param buffers one lifetime per buffer (named after its first value)
 * @param bufferOf value name to the name of the buffer holding it
 * @param offsetInBuffer value name to its byte offset inside its buffer (0 except around in-place depthwise convs)
 */
public record TensorLifetimes(List<BufferLifetime> buffers, Map<String, String> bufferOf,
                              Map<String, Long> offsetInBuffer) {

    /** Copies the collections. */
    public TensorLifetimes {
        buffers = ImmutableList.copyOf(buffers);
        bufferOf = ImmutableMap.copyOf(bufferOf);
        offsetInBuffer = ImmutableMap.copyOf(offsetInBuffer);
    }

    /**
     * Analyses {@code g}, whose nodes are in execution order, with offsets inside buffers kept to multiples of
     * {@link MemoryPlan#DEFAULT_ALIGNMENT}.
     *
     * @param inPlace whether to let elementwise and depthwise results share their operand's buffer
     */
    public static TensorLifetimes of(Graph g, boolean inPlace) {
        return of(g, inPlace, MemoryPlan.DEFAULT_ALIGNMENT);
    }

    /**
     * Analyses {@code g}, whose nodes are in execution order.
     *
     * @param inPlace whether to let elementwise and depthwise results share their operand's buffer
     * @param alignment offsets inside a buffer are multiples of this (&gt;= 1)
     */
    public static TensorLifetimes of(Graph g, boolean inPlace, int alignment) {
        Alignment.require(alignment);
        Map<String, Long> leads = new HashMap<>(); // each lead once: a band region's comes from its program
        TensorLifetimes best = build(g, inPlace, alignment, Set.of(), leads);
        if (!inPlace) {
            return best;
        }
        // Depthwise convs in place one at a time, kept only when they help: the shared buffer keeps its largest
        // size for its whole life, so a stride-2 conv's small output would hold its input's bytes until its last
        // use. A candidate is kept when LOAD does not grow and the bytes x steps of all buffers shrink.
        Set<String> taken = new HashSet<>();
        for (Node n : g.nodes()) {
            if (!leadsInput(n)) {
                continue;
            }
            Set<String> trial = new HashSet<>(taken);
            trial.add(n.name());
            TensorLifetimes t = build(g, true, alignment, trial, leads);
            String out = n.outputs().get(0).name();
            if (!t.bufferOf().get(out).equals(out) && t.betterThan(best, alignment)) {
                taken = trial;
                best = t;
            }
        }
        return best;
    }

    private boolean betterThan(TensorLifetimes other, int alignment) {
        long load = LowerBound.of(buffers, alignment);
        long otherLoad = LowerBound.of(other.buffers, alignment);
        return load < otherLoad || load == otherLoad && byteSteps(alignment) < other.byteSteps(alignment);
    }

    private long byteSteps(int alignment) {
        long sum = 0;
        for (BufferLifetime b : buffers) {
            sum += b.alignedSize(alignment) * (b.lastStep() - b.firstStep() + 1L);
        }
        return sum;
    }

    /** One analysis; depthwise convs go in place only when named in {@code depthwise}. */
    private static TensorLifetimes build(Graph g, boolean inPlace, int alignment, Set<String> depthwise,
                                         Map<String, Long> leads) {
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
        Map<String, Long> offsetIn = new LinkedHashMap<>();
        Map<String, List<String>> members = new HashMap<>(); // buffer (root) -> the values it holds
        first.keySet().forEach(v -> {
            bufferOf.put(v, v);
            offsetIn.put(v, 0L);
            members.put(v, new ArrayList<>(List.of(v)));
        });
        if (inPlace) {
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                if (depthwise.contains(n.name()) && leadsInput(n)) {
                    depthwiseInPlace(g, n, i + 1, alignment, leads.computeIfAbsent(n.name(), k -> minimumLead(n)),
                            bufferOf, members, offsetIn, last, size);
                    continue;
                }
                if (n.outputs().isEmpty()) {
                    continue;
                }
                Value out = n.output();
                for (int k : n.traits().inPlaceOperands().sameOffset()) {
                    Value in = n.inputs().get(k);
                    String buf = find(bufferOf, in.name());
                    boolean diesHere = last.get(in.name()) == i + 1 && groupLast(members.get(buf), last) == i + 1;
                    boolean sameSize = size.get(in.name()).equals(size.get(out.name()))
                            && offsetIn.get(in.name()) == 0
                            && groupExtent(members.get(buf), offsetIn, size) == size.get(out.name());
                    boolean readOnce = n.inputs().stream().filter(v -> v.name().equals(in.name())).count() == 1;
                    if (first.containsKey(in.name()) && diesHere && sameSize && readOnce
                            && !g.outputs().contains(in)) {
                        join(bufferOf, members, out.name(), buf);
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
            bytes.merge(b, offsetIn.get(v) + size.get(v), Math::max);
        });
        List<BufferLifetime> buffers = new ArrayList<>();
        span.forEach((b, s) -> buffers.add(new BufferLifetime(b, bytes.get(b), s[0], s[1])));
        return new TensorLifetimes(buffers, resolved, offsetIn);
    }

    /** True when {@code n}'s result may share its input's buffer ahead of it (a depthwise conv, a band region). */
    private static boolean leadsInput(Node n) {
        return n.traits().inPlaceOperands().leadOffset();
    }

    /**
     * Puts the output of depthwise conv {@code n} (run at {@code step}) at offset 0 of its input's buffer and
     * shifts the input's buffer members by the lead, when the input dies at {@code n} and that saves bytes.
     */
    private static void depthwiseInPlace(Graph g, Node n, int step, int alignment, long minimumLead,
                                         Map<String, String> bufferOf,
                                         Map<String, List<String>> members, Map<String, Long> offsetIn,
                                         Map<String, Integer> last, Map<String, Long> size) {
        Value in = n.inputs().get(0);
        Value out = n.outputs().get(0);
        if (!bufferOf.containsKey(in.name()) || g.outputs().contains(in)) {
            return;
        }
        String buf = find(bufferOf, in.name());
        if (last.get(in.name()) != step || groupLast(members.get(buf), last) != step) {
            return; // the input (or a value sharing its bytes) is still needed after the conv
        }
        long lead = (minimumLead + alignment - 1) / alignment * alignment;
        if (lead >= size.get(out.name())) {
            return; // the output would not overlap the input: two separate buffers are as small
        }
        for (String v : members.get(buf)) {
            offsetIn.merge(v, lead, Long::sum);
        }
        join(bufferOf, members, out.name(), buf);
        offsetIn.put(out.name(), 0L);
    }

    /** The lead of a depthwise conv ({@link DepthwiseInPlace}) or of a band region (its program's output lead). */
    private static long minimumLead(Node n) {
        if (n.op() instanceof BandRegion region) {
            return region.program(n.name(), n.inputs()).outputLead();
        }
        if (!(n.op() instanceof Conv2d conv)) {
            throw new IllegalStateException(n.op().kind().irName() + " '" + n.name() + "' allows a lead offset, but"
                    + " the planner computes leads for depthwise convs and band regions only");
        }
        int[] xs = n.inputs().get(0).type().shape().toArray();
        int[] ys = n.output().type().shape().toArray();
        Value w = n.inputs().get(1);
        return DepthwiseInPlace.minimumLead(xs[1], xs[2], xs[3], Conv2d.kernelHeight(w), Conv2d.kernelWidth(w),
                conv.stride(), conv.padTop(), conv.padLeft(), ys[1], ys[2]);
    }

    private static String find(Map<String, String> parent, String v) {
        String p = parent.get(v);
        while (!p.equals(parent.get(p))) {
            p = parent.get(p);
        }
        return p;
    }

    /** Puts {@code value} (a result no value shares yet) into buffer {@code buf}. */
    private static void join(Map<String, String> parent, Map<String, List<String>> members, String value, String buf) {
        parent.put(value, buf);
        members.get(buf).addAll(members.remove(value));
    }

    private static int groupLast(List<String> group, Map<String, Integer> last) {
        int m = -1;
        for (String v : group) {
            m = Math.max(m, last.get(v));
        }
        return m;
    }

    private static long groupExtent(List<String> group, Map<String, Long> offsetIn, Map<String, Long> size) {
        long m = 0;
        for (String v : group) {
            m = Math.max(m, offsetIn.get(v) + size.get(v));
        }
        return m;
    }
}
