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
 * <p>Operands: the region's input (int8 NHWC), then the layers' parameters (weights and biases), each referenced by
 * its operand index. Results: the last layer's output, then the workspace ({@code int8 [bytes] row_major}, live only
 * during the op) holding the line buffers at {@link BandProgram#bufferOffsets()}.
 *
 * @param layers the layers in execution order
 * @param bandRows output rows of the last layer per band
 */
public record BandRegion(List<Layer> layers, int bandRows) implements Op {

    /** Alignment of each line buffer inside the workspace (word loads of the fast kernels stay aligned). */
    public static final int BUFFER_ALIGNMENT = 4;

    /**
     * One layer of the region.
     *
     * @param name the node name it had before it joined the region
     * @param op a {@link Conv2d} or {@link QuantizedAdd} without clamp mask
     * @param tensors the region tensors it reads (0 the region's input, {@code i + 1} layer {@code i}'s output)
     * @param params operand indices (>= 1) of the region of its parameters (a conv's weight and bias)
     */
    public record Layer(String name, Op op, List<Integer> tensors, List<Integer> params) {
        /** Copies the lists and checks the op. */
        public Layer {
            tensors = List.copyOf(tensors);
            params = List.copyOf(params);
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
            for (int p : l.params()) {
                if (p < 1 || p >= in.size()) {
                    Checks.fail(node, "band", "layer '" + l.name() + "' names operand " + p + " of " + in.size());
                }
                used[p] = true;
                operands.add(in.get(p));
            }
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
            if (l.op() instanceof Conv2d c) {
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

    /** The MACs of layer {@code i} on the region's {@link #tensorValues tensors} and operands {@code in}. */
    public long layerMacs(int i, List<Value> tensors, List<Value> in) {
        Layer l = layers.get(i);
        List<Value> operands = new ArrayList<>();
        l.tensors().forEach(t -> operands.add(tensors.get(t)));
        l.params().forEach(p -> operands.add(in.get(p)));
        return l.op().macs(operands, List.of(tensors.get(i + 1).type()));
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
        }
    }

    private static final Set<String> LAYER_KEYS = Set.of("name", "op", "tensors", "params", "attrs");

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
            layers.add(new Layer(name, kind.parseAttributes(attrs), ints(o, "tensors"), ints(o, "params")));
        }
        return new BandRegion(layers, Attr.integer(a, "band"));
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
