package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.IrParseException;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.band.BandLayer;
import dev.tinytrain.ir.band.BandProgram;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A frozen forward prefix executed in row bands: a chain of int8 convs and residual adds that keep nothing for the
 * backward and update nothing, run band by band ({@code bandRows} output rows of the last layer at a time) with
 * every intermediate tensor in a line buffer ({@link BandProgram}). The results are exactly those of running the
 * layers one after another on whole tensors; only the memory differs: the intermediate tensors never exist whole.
 *
 * <p>A depthwise layer may have the 1x1 expansion before it fused in ({@link Expansion}): it then reads the
 * expansion's (narrow) input and, per group of expanded channels, recomputes the expanded rows its window needs in
 * a scratch of the workspace, so the (wide) expanded tensor needs no line buffer. That trades recomputed
 * expansion MACs for memory; the bytes are still those of the two layers run one after the other (integer sums).
 *
 * <p>Operands: the region's input (int8 NHWC), then the layers' parameters (weights and biases), each referenced by
 * its operand index. Results: the last layer's output, then the workspace ({@code int8 [bytes] row_major}, live only
 * during the op) holding the line buffers at {@link BandProgram#bufferOffsets()} and the fused layers' scratch at
 * {@link BandProgram#scratchOffsets()}.
 *
 * @param layers the layers in execution order
 * @param bandRows output rows of the last layer per band
 */
public record BandRegion(List<Layer> layers, int bandRows) implements Op {

    /** Alignment of each line buffer inside the workspace (word loads of the fast kernels stay aligned). */
    public static final int BUFFER_ALIGNMENT = 4;

    /**
     * A dense 1x1 stride-1 expansion conv fused into the depthwise layer that alone reads its output: the layer reads
     * the expansion's input, and its kernel computes, for each group of {@code group} expanded channels, those
     * channels of the expanded rows its window needs, then the depthwise conv of those channels.
     *
     * @param name the expansion's node name before it joined the region
     * @param op the expansion (1x1, stride 1, no padding, one group, no mask)
     * @param params operand indices of its weight and bias
     * @param group expanded channels per pass (the last group may be narrower)
     */
    public record Expansion(String name, Conv2d op, List<Integer> params, int group) {
        /** Copies the list and checks the op. */
        public Expansion {
            params = List.copyOf(params);
            if (op.saveMask() || op.stride() != 1 || op.groups() != 1 || op.padTop() != 0 || op.padLeft() != 0
                    || op.padBottom() != 0 || op.padRight() != 0 || params.size() != 2 || group < 1) {
                throw new IllegalArgumentException("fused expansion '" + name + "' must be an unpadded stride-1"
                        + " dense conv without mask with a weight and a bias and a group >= 1, got " + op + " "
                        + params + " group " + group);
            }
        }
    }

    /**
     * One layer of the region.
     *
     * @param name the node name it had before it joined the region
     * @param op a {@link Conv2d} or {@link QuantizedAdd} without clamp mask
     * @param tensors the region tensors it reads (0 the region's input, {@code i + 1} layer {@code i}'s output); with
     *     an expansion, the expansion's input
     * @param params operand indices (>= 1) of the region of its parameters (a conv's weight and bias)
     * @param expansion the 1x1 expansion fused into this depthwise layer, if any
     */
    public record Layer(String name, Op op, List<Integer> tensors, List<Integer> params,
                        Optional<Expansion> expansion) {
        /** A layer without a fused expansion. */
        public Layer(String name, Op op, List<Integer> tensors, List<Integer> params) {
            this(name, op, tensors, params, Optional.empty());
        }

        /** Copies the lists and checks the op. */
        public Layer {
            tensors = List.copyOf(tensors);
            params = List.copyOf(params);
            if (expansion.isPresent() && !(op instanceof Conv2d c && c.groups() > 1)) {
                throw new IllegalArgumentException("band layer '" + name + "' fuses an expansion but is not a"
                        + " depthwise conv");
            }
            boolean conv = op instanceof Conv2d c && !c.saveMask() && tensors.size() == 1 && params.size() == 2;
            boolean add = op instanceof QuantizedAdd a && !a.saveMask() && tensors.size() == 2 && params.isEmpty();
            if (!conv && !add) {
                throw new IllegalArgumentException("band layer '" + name + "' must be a conv2d (one tensor, weight"
                        + " and bias) or add_q (two tensors) without mask, got " + op.kind().irName() + " " + tensors
                        + " " + params);
            }
        }
    }

    /** Copies the list and checks the sizes. */
    public BandRegion {
        layers = List.copyOf(layers);
        if (layers.size() < 2 || bandRows < 1) {
            throw new IllegalArgumentException("a band region needs at least two layers and bandRows >= 1");
        }
    }

    @Override
    public OpKind kind() {
        return OpKind.BAND_REGION;
    }

    /**
     * Writes no parameter and keeps nothing for a backward (its layers are frozen); its output may run ahead of its
     * input in one buffer ({@link BandProgram#outputLead()}): a strided prefix writes its output rows over input rows
     * no later band reads.
     */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.inPlace(InPlaceOperands.LEAD_OFFSET);
    }

    /** The values of the region's tensors for these operands: the input, then each layer's output (verified). */
    public List<Value> tensorValues(String node, List<Value> in) {
        if (in.isEmpty()) {
            Checks.fail(node, "arity", "band_region needs its input operand");
        }
        Checks.int8Nhwc(node, in.get(0), "input");
        List<Value> tensors = new ArrayList<>(List.of(in.get(0)));
        boolean[] used = new boolean[in.size()];
        used[0] = true;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            List<Value> operands = new ArrayList<>();
            for (int t : l.tensors()) {
                if (t < 0 || t > i) {
                    Checks.fail(node, "band", "layer '" + l.name() + "' reads region tensor " + t
                            + ", not defined before it");
                }
                operands.add(tensors.get(t));
            }
            if (l.expansion().isPresent()) {
                Value mid = expanded(node, l, operands.get(0), in, used);
                if (!((Conv2d) l.op()).isDepthwise(mid.type().shape().dim(3), mid.type().shape().dim(3))) {
                    Checks.fail(node, "band", "layer '" + l.name() + "' fuses an expansion but is not depthwise on"
                            + " its " + mid.type().shape().dim(3) + " channels");
                }
                operands.set(0, mid);
            }
            operands.addAll(params(node, l.name(), l.params(), in, used));
            List<TensorType> types = l.op().inferTypes(node + "/" + l.name(), operands);
            tensors.add(new Value(l.name(), types.get(0)));
        }
        for (int p = 0; p < used.length; p++) {
            if (!used[p]) {
                Checks.fail(node, "band", "operand %" + in.get(p).name() + " is read by no layer");
            }
        }
        return tensors;
    }

    /** The operands {@code params} name, marked used. */
    private static List<Value> params(String node, String layer, List<Integer> params, List<Value> in,
                                      boolean[] used) {
        List<Value> out = new ArrayList<>();
        for (int p : params) {
            if (p < 1 || p >= in.size()) {
                Checks.fail(node, "band", "layer '" + layer + "' names operand " + p + " of " + in.size());
            }
            used[p] = true;
            out.add(in.get(p));
        }
        return out;
    }

    /** The expanded tensor (never stored whole) of fused layer {@code l} reading {@code x}. */
    private static Value expanded(String node, Layer l, Value x, List<Value> in, boolean[] used) {
        Expansion e = l.expansion().orElseThrow();
        List<Value> operands = new ArrayList<>(List.of(x));
        operands.addAll(params(node, e.name(), e.params(), in, used));
        return new Value(e.name(), e.op().inferTypes(node + "/" + e.name(), operands).get(0));
    }

    /**
     * The values a fused layer is lowered from (the same in every backend).
     *
     * @param expansion the fused expansion
     * @param depthwise the depthwise conv
     * @param input the expansion's input (a region tensor)
     * @param expanded the expanded tensor, never stored whole
     * @param output the depthwise conv's output (a region tensor)
     * @param expWeight the expansion's weight
     * @param expBias its bias
     * @param dwWeight the depthwise weight
     * @param dwBias its bias
     */
    public record FusedValues(Expansion expansion, Conv2d depthwise, Value input, Value expanded, Value output,
                              Value expWeight, Value expBias, Value dwWeight, Value dwBias) {
    }

    /** The values of fused layer {@code i} on the region's tensors and operands {@code in}. */
    public FusedValues fusedValues(int i, List<Value> tensors, List<Value> in) {
        Layer l = layers.get(i);
        Expansion e = l.expansion().orElseThrow(() -> new IllegalArgumentException("band layer '" + l.name()
                + "' has no fused expansion"));
        return new FusedValues(e, (Conv2d) l.op(), tensors.get(l.tensors().get(0)), expandedTensor(i, tensors, in),
                tensors.get(i + 1), in.get(e.params().get(0)), in.get(e.params().get(1)), in.get(l.params().get(0)),
                in.get(l.params().get(1)));
    }

    /** The expanded tensor of fused layer {@code i} (its expansion's output) on the region's tensors. */
    public Value expandedTensor(int i, List<Value> tensors, List<Value> in) {
        Layer l = layers.get(i);
        return expanded("band_region", l, tensors.get(l.tensors().get(0)), in, new boolean[in.size()]);
    }

    /**
     * The band program of this region on these operands.
     *
     * @throws dev.tinytrain.ir.IrVerificationException when the operands do not fit the layers or the geometry is
     *     not a band region (rule {@code band})
     */
    public BandProgram program(String node, List<Value> in) {
        List<Value> tensors = tensorValues(node, in);
        List<BandLayer> geometry = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Shape out = tensors.get(i + 1).type().shape();
            int rowBytes = Math.multiplyExact(out.dim(2), out.dim(3));
            if (l.op() instanceof Conv2d c && l.expansion().isPresent()) {
                int group = l.expansion().get().group();
                int inW = tensors.get(l.tensors().get(0)).type().shape().dim(2);
                geometry.add(BandLayer.convWithScratch(l.tensors().get(0),
                        Conv2d.kernelHeight(in.get(l.params().get(0))), c.stride(), c.padTop(), out.dim(1), rowBytes,
                        Math.multiplyExact(inW, group), Math.multiplyExact(out.dim(2), group)));
            } else if (l.op() instanceof Conv2d c && c.isDepthwise(out.dim(3), out.dim(3))) {
                Value w = in.get(l.params().get(0));
                int k = Conv2d.kernelHeight(w);
                Shape xs = tensors.get(l.tensors().get(0)).type().shape();
                geometry.add(BandLayer.depthwise(l.tensors().get(0), k, c.stride(), c.padTop(), out.dim(1), rowBytes,
                        Math.toIntExact(rowLead(xs.dim(2), out.dim(3), k, Conv2d.kernelWidth(w), c, out.dim(2)))));
            } else if (l.op() instanceof Conv2d c) {
                geometry.add(BandLayer.conv(l.tensors().get(0), Conv2d.kernelHeight(in.get(l.params().get(0))),
                        c.stride(), c.padTop(), out.dim(1), rowBytes));
            } else {
                geometry.add(BandLayer.elementwise(l.tensors(), out.dim(1), rowBytes));
            }
        }
        Shape xs = in.get(0).type().shape();
        try {
            return BandProgram.of(geometry, xs.dim(1), Math.multiplyExact(xs.dim(2), xs.dim(3)), bandRows,
                    BUFFER_ALIGNMENT);
        } catch (IllegalArgumentException e) {
            throw new dev.tinytrain.ir.IrVerificationException(node, "band", e.getMessage());
        }
    }

    /**
     * The lead a depthwise conv's output row needs to be written over its input window: the largest
     * {@link DepthwiseLead#minimumLead} over every window one output row can have (1 to {@code kH} rows, 0 to
     * {@code padTop} padding rows above).
     */
    private static long rowLead(int inW, int channels, int kH, int kW, Conv2d c, int outW) {
        long lead = 0;
        for (int pad = 0; pad <= Math.min(c.padTop(), kH - 1); pad++) {
            for (int rows = 1; rows <= kH - pad; rows++) {
                lead = Math.max(lead, DepthwiseLead.minimumLead(rows, inW, channels, kH, kW, c.stride(), pad,
                        c.padLeft(), 1, outW));
            }
        }
        return lead;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        List<Value> tensors = tensorValues(node, in);
        BandProgram p = program(node, in);
        TensorType workspace = TensorType.of(DType.INT8, Shape.of(Math.toIntExact(Math.max(1, p.workspaceBytes()))),
                Layout.ROW_MAJOR);
        return List.of(tensors.get(tensors.size() - 1).type(), workspace);
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        List<Value> tensors = tensorValues("band_region", in);
        long sum = 0;
        for (int i = 0; i < layers.size(); i++) {
            sum += layerMacs(i, tensors, in);
        }
        return sum;
    }

    /**
     * The MACs of layer {@code i} on the region's {@link #tensorValues tensors} and operands {@code in}, each
     * computed once (a fused expansion's included: {@link #expansionMacs}).
     */
    public long layerMacs(int i, List<Value> tensors, List<Value> in) {
        Layer l = layers.get(i);
        List<Value> operands = new ArrayList<>();
        l.tensors().forEach(t -> operands.add(tensors.get(t)));
        if (l.expansion().isPresent()) {
            operands.set(0, expandedTensor(i, tensors, in));
        }
        l.params().forEach(p -> operands.add(in.get(p)));
        return l.op().macs(operands, List.of(tensors.get(i + 1).type())) + expansionMacs(i, tensors, in);
    }

    /**
     * The multiply-accumulates the program of this region on {@code in} computes more than once: a fused layer's
     * step recomputes the expanded rows its window holds (every row of every other layer is computed once), so this
     * is, over the fused layers, the expanded rows all their steps compute less the expanded tensor's rows, times
     * the expansion's MACs per row.
     */
    public long recomputedMacs(String node, List<Value> in) {
        return java.util.Arrays.stream(recomputedMacsByLayer(node, in)).sum();
    }

    /** {@link #recomputedMacs} per layer. */
    public long[] recomputedMacsByLayer(String node, List<Value> in) {
        List<Value> tensors = tensorValues(node, in);
        BandProgram p = program(node, in);
        long[] rows = new long[layers.size()];
        for (BandProgram.Step s : p.steps()) {
            if (s instanceof BandProgram.Compute c) {
                rows[c.layer()] += c.inputs().get(0).rows();
            }
        }
        long[] macs = new long[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).expansion().isPresent()) {
                int h = p.height(layers.get(i).tensors().get(0));
                macs[i] = (rows[i] - h) * (expansionMacs(i, tensors, in) / h);
            }
        }
        return macs;
    }

    /** The MACs of layer {@code i}'s fused expansion over its whole tensor once (0 without one). */
    public long expansionMacs(int i, List<Value> tensors, List<Value> in) {
        Layer l = layers.get(i);
        if (l.expansion().isEmpty()) {
            return 0;
        }
        Expansion e = l.expansion().get();
        List<Value> operands = new ArrayList<>(List.of(tensors.get(l.tensors().get(0))));
        e.params().forEach(p -> operands.add(in.get(p)));
        return e.op().macs(operands, List.of(expandedTensor(i, tensors, in).type()));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("band", bandRows);
        List<Object> ls = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("name", l.name());
            a.put("op", l.op().kind().irName());
            a.put("tensors", l.tensors());
            a.put("params", l.params());
            a.putAll(l.op().attributes());
            l.expansion().ifPresent(e -> {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("name", e.name());
                x.put("params", e.params());
                x.put("group", e.group());
                x.putAll(e.op().attributes());
                a.put("expansion", x);
            });
            ls.add(a);
        }
        m.put("layers", ls);
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("band", bandRows);
        ArrayNode arr = out.putArray("layers");
        for (Layer l : layers) {
            ObjectNode o = arr.addObject();
            o.put("name", l.name());
            o.put("op", l.op().kind().irName());
            ArrayNode t = o.putArray("tensors");
            l.tensors().forEach(t::add);
            ArrayNode p = o.putArray("params");
            l.params().forEach(p::add);
            l.op().writeJson(o.putObject("attrs"));
            l.expansion().ifPresent(e -> {
                ObjectNode x = o.putObject("expansion");
                x.put("name", e.name());
                ArrayNode ep = x.putArray("params");
                e.params().forEach(ep::add);
                x.put("group", e.group());
                e.op().writeJson(x.putObject("attrs"));
            });
        }
    }

    private static final Set<String> LAYER_KEYS = Set.of("name", "op", "tensors", "params", "attrs", "expansion");
    private static final Set<String> EXPANSION_KEYS = Set.of("name", "params", "group", "attrs");

    static Op fromJson(JsonNode a) {
        JsonNode arr = a.get("layers");
        if (arr == null || !arr.isArray()) {
            throw new IrParseException("attribute 'layers' must be an array, got " + arr);
        }
        List<Layer> layers = new ArrayList<>();
        for (JsonNode o : arr) {
            if (!o.isObject()) {
                throw new IrParseException("attribute 'layers' has a non-object element " + o);
            }
            for (var it = o.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!LAYER_KEYS.contains(k)) {
                    throw new IrParseException("band layer has unknown field '" + k + "' (allowed: " + LAYER_KEYS + ")");
                }
            }
            String name = Attr.text(o, "name");
            String opName = Attr.text(o, "op");
            OpKind kind = OpKind.fromIrName(opName);
            if (kind != OpKind.CONV2D && kind != OpKind.QUANTIZED_ADD) {
                throw new IrParseException("band layer '" + name + "': op must be conv2d or add_q, got '" + opName
                        + "'");
            }
            JsonNode attrs = o.get("attrs");
            if (attrs == null || !attrs.isObject()) {
                throw new IrParseException("band layer '" + name + "': field 'attrs' must be an object");
            }
            layers.add(new Layer(name, kind.parseAttributes(attrs), ints(o, "tensors"), ints(o, "params"),
                    expansionFromJson(name, o.get("expansion"))));
        }
        return new BandRegion(layers, Attr.integer(a, "band"));
    }

    private static Optional<Expansion> expansionFromJson(String layer, JsonNode x) {
        if (x == null) {
            return Optional.empty();
        }
        if (!x.isObject()) {
            throw new IrParseException("band layer '" + layer + "': field 'expansion' must be an object");
        }
        for (var it = x.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!EXPANSION_KEYS.contains(k)) {
                throw new IrParseException("band layer '" + layer + "': expansion has unknown field '" + k
                        + "' (allowed: " + EXPANSION_KEYS + ")");
            }
        }
        JsonNode attrs = x.get("attrs");
        if (attrs == null || !attrs.isObject()) {
            throw new IrParseException("band layer '" + layer + "': expansion field 'attrs' must be an object");
        }
        try {
            return Optional.of(new Expansion(Attr.text(x, "name"), (Conv2d) OpKind.CONV2D.parseAttributes(attrs),
                    ints(x, "params"), Attr.integer(x, "group")));
        } catch (IllegalArgumentException e) {
            throw new IrParseException("band layer '" + layer + "': " + e.getMessage());
        }
    }

    private static List<Integer> ints(JsonNode o, String name) {
        JsonNode n = o.get(name);
        if (n == null || !n.isArray()) {
            throw new IrParseException("band layer field '" + name + "' must be an array of integers, got " + n);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new IrParseException("band layer field '" + name + "' has a non-integer element " + e);
            }
            out.add(e.intValue());
        }
        return out;
    }

    /** The layer a node of this name became, if any (for reports). */
    public Optional<Layer> layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst();
    }
}
