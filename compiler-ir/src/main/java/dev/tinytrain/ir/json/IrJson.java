package dev.tinytrain.ir.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.IrParseException;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Attr;
import dev.tinytrain.ir.ops.Op;
import dev.tinytrain.ir.ops.OpKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Serializes graphs as JSON ({@code tinytrain-ir/1}) with Jackson. Parameter data is embedded as base64 of its
 * little-endian bytes. {@code write(read(write(g)))} equals {@code write(g)}.
 *
 * <p>Nodes may appear in any order in a file: the reader orders them by their dependencies and reports a cycle
 * as an {@link IrVerificationException} (rule {@code cycle}) naming the nodes involved.
 */
public final class IrJson {
    /** The value of the {@code format} field. */
    public static final String FORMAT = "tinytrain-ir/1";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper READER = StrictJson.mapper();
    /** The largest tensor a graph may declare: one arena, 32-bit offsets. */
    private static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 64;
    private static final Set<String> TOP_KEYS = Set.of("format", "name", "inputs", "parameters", "nodes", "outputs");
    private static final Set<String> VALUE_KEYS = Set.of("name", "type");
    private static final Set<String> PARAMETER_KEYS = Set.of("name", "type", "trainable", "channels", "data");
    private static final Set<String> TYPE_KEYS = Set.of("dtype", "shape", "layout", "quantization");
    private static final Set<String> QUANTIZATION_KEYS = Set.of("scales", "zero_points", "axis");
    private static final Set<String> NODE_KEYS = Set.of("name", "op", "inputs", "outputs", "attrs");

    private IrJson() {
    }

    /** The JSON text of {@code g}. */
    public static String write(Graph g) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("name", g.name());
        ArrayNode inputs = root.putArray("inputs");
        for (Value v : g.inputs()) {
            writeValue(inputs.addObject(), v);
        }
        ArrayNode params = root.putArray("parameters");
        for (Parameter p : g.parameters()) {
            ObjectNode o = params.addObject();
            writeValue(o, p.value());
            o.put("trainable", p.trainability().trainable());
            p.trainability().channels().forEach(o.putArray("channels")::add);
            o.put("data", Base64.getEncoder().encodeToString(p.data().toBytes()));
        }
        ArrayNode nodes = root.putArray("nodes");
        for (Node n : g.nodes()) {
            ObjectNode o = nodes.addObject();
            o.put("name", n.name());
            o.put("op", n.op().kind().irName());
            n.inputs().forEach(v -> o.withArray("inputs").add(v.name()));
            if (n.inputs().isEmpty()) {
                o.putArray("inputs");
            }
            ArrayNode outs = o.putArray("outputs");
            n.outputs().forEach(v -> writeValue(outs.addObject(), v));
            n.op().writeJson(o.putObject("attrs"));
        }
        ArrayNode outs = root.putArray("outputs");
        g.outputs().forEach(v -> outs.add(v.name()));
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize graph " + g.name(), e);
        }
    }

    /**
     * Parses and verifies a graph.
     *
     * @throws IrParseException for malformed JSON, a missing or mistyped field, an unknown op or an undefined value
     * @throws IrVerificationException for a graph that parses but breaks an IR rule (including cycles)
     */
    public static Graph read(String json) {
        JsonNode root;
        try {
            root = READER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IrParseException("malformed IR JSON: " + StrictJson.describe(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new IrParseException("IR JSON must be an object");
        }
        requireKeys(root, TOP_KEYS, "");
        String format = text(root, "format", "");
        if (!FORMAT.equals(format)) {
            throw new IrParseException("field 'format' must be \"" + FORMAT + "\", got \"" + format + "\"");
        }
        String name = text(root, "name", "");
        Map<String, Value> defined = new HashMap<>();
        List<Value> inputs = new ArrayList<>();
        int i = 0;
        for (JsonNode in : array(root, "inputs", "")) {
            Value v = readValue(in, "inputs[" + i++ + "]");
            inputs.add(v);
            defined.put(v.name(), v);
        }
        List<Parameter> params = new ArrayList<>();
        i = 0;
        for (JsonNode p : array(root, "parameters", "")) {
            String where = "parameters[" + i++ + "]";
            if (p.isObject()) {
                requireKeys(p, PARAMETER_KEYS, where);
            }
            if (p.has("trainable") && !p.get("trainable").isBoolean()) {
                throw new IrParseException(where + ": field 'trainable' must be true or false, got "
                        + p.get("trainable"));
            }
            Value v = readValue(p, where);
            boolean trainable = p.path("trainable").asBoolean(false);
            List<Integer> channels = p.has("channels") ? Attr.intList(p, "channels", -1) : List.of();
            byte[] data;
            try {
                data = Base64.getDecoder().decode(text(p, "data", where));
            } catch (IllegalArgumentException e) {
                throw new IrParseException(where + ".data is not valid base64", e);
            }
            try {
                params.add(new Parameter(v, TensorData.ofBytes(v.type().dtype(), data),
                        new Trainability(trainable, channels)));
            } catch (IllegalArgumentException e) {
                throw new IrParseException(where + ": " + e.getMessage(), e);
            }
            defined.put(v.name(), v);
        }
        List<PendingNode> pending = new ArrayList<>();
        i = 0;
        for (JsonNode n : array(root, "nodes", "")) {
            pending.add(readNode(n, "nodes[" + i++ + "]"));
        }
        List<Node> ordered = order(pending, defined);
        List<Value> outputs = new ArrayList<>();
        for (JsonNode o : array(root, "outputs", "")) {
            Value v = defined.get(o.asText());
            if (v == null) {
                throw new IrParseException("graph output '" + o.asText() + "' is not defined");
            }
            outputs.add(v);
        }
        return new Graph(name, inputs, params, ordered, outputs);
    }

    /**
     * Reads and verifies the graph of an IR JSON file (a regular file of at most {@link InputFiles#TEXT_LIMIT}
     * bytes); errors name the file.
     *
     * @throws IrParseException for a file that cannot be read or parsed
     * @throws IrVerificationException for a graph that breaks an IR rule
     */
    public static Graph read(Path file) {
        String text;
        try {
            text = InputFiles.readUtf8(file, InputFiles.TEXT_LIMIT);
        } catch (FileAccessException e) {
            throw new IrParseException(e.getMessage(), e);
        }
        try {
            return read(text);
        } catch (IrParseException e) {
            throw new IrParseException(file + ": " + e.getMessage(), e);
        } // an IrVerificationException names the op at fault
    }

    /** Refuses a key outside {@code allowed}: a misspelt field would otherwise be ignored. */
    private static void requireKeys(JsonNode o, Set<String> allowed, String where) {
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new IrParseException((where.isEmpty() ? "" : where + ": ") + "unknown field '" + k
                        + "' (allowed: " + new TreeSet<>(allowed) + ")");
            }
        }
    }

    private record PendingNode(String name, Op op, List<String> inputs, List<Value> outputs) {
    }

    private static PendingNode readNode(JsonNode n, String where) {
        if (n.isObject()) {
            requireKeys(n, NODE_KEYS, where);
        }
        String name = text(n, "name", where);
        String opName = text(n, "op", where);
        OpKind kind = OpKind.fromIrName(opName);
        if (kind == null) {
            throw new IrParseException(where + " ('" + name + "'): unknown op '" + opName + "'");
        }
        JsonNode attrs = n.get("attrs");
        if (attrs == null || !attrs.isObject()) {
            throw new IrParseException(where + " ('" + name + "'): field 'attrs' must be an object");
        }
        Op op;
        try {
            op = kind.parseAttributes(attrs);
        } catch (IrParseException e) {
            throw new IrParseException(where + " ('" + name + "', " + opName + "): " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IrParseException(where + " ('" + name + "', " + opName + "): " + e.getMessage(), e);
        }
        // every attribute the op reads is one it writes back: what the writer leaves out was not read
        ObjectNode known = MAPPER.createObjectNode();
        op.writeJson(known);
        for (var it = attrs.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.has(k)) {
                throw new IrParseException(where + " ('" + name + "', " + opName + "): unknown attribute '" + k
                        + "' (" + opName + " has " + ImmutableList.copyOf(known.fieldNames()) + ")");
            }
        }
        List<String> ins = new ArrayList<>();
        for (JsonNode in : array(n, "inputs", where)) {
            ins.add(in.asText());
        }
        List<Value> outs = new ArrayList<>();
        int k = 0;
        for (JsonNode o : array(n, "outputs", where)) {
            outs.add(readValue(o, where + ".outputs[" + k++ + "]"));
        }
        return new PendingNode(name, op, ins, outs);
    }

    /** Kahn's algorithm in file order; what cannot be ordered is either undefined or on a cycle. */
    private static List<Node> order(List<PendingNode> pending, Map<String, Value> defined) {
        Map<String, PendingNode> producerOf = new LinkedHashMap<>();
        for (PendingNode p : pending) {
            for (Value v : p.outputs()) {
                producerOf.put(v.name(), p);
            }
        }
        for (PendingNode p : pending) {
            for (String in : p.inputs()) {
                if (!defined.containsKey(in) && !producerOf.containsKey(in)) {
                    throw new IrParseException("node '" + p.name() + "': operand %" + in + " is never defined");
                }
            }
        }
        List<Node> out = new ArrayList<>();
        List<PendingNode> left = new ArrayList<>(pending);
        boolean progress = true;
        while (!left.isEmpty() && progress) {
            progress = false;
            for (var it = left.iterator(); it.hasNext(); ) {
                PendingNode p = it.next();
                if (p.inputs().stream().allMatch(defined::containsKey)) {
                    List<Value> ins = p.inputs().stream().map(defined::get).toList();
                    out.add(new Node(p.name(), p.op(), ins, p.outputs()));
                    p.outputs().forEach(v -> defined.put(v.name(), v));
                    it.remove();
                    progress = true;
                }
            }
        }
        if (!left.isEmpty()) {
            throw new IrVerificationException(left.get(0).name(), "cycle", "the nodes "
                    + left.stream().map(p -> "'" + p.name() + "'").toList()
                    + " depend on each other in a cycle");
        }
        return out;
    }

    private static void writeValue(ObjectNode o, Value v) {
        o.put("name", v.name());
        ObjectNode t = o.putObject("type");
        TensorType type = v.type();
        t.put("dtype", type.dtype().irName());
        type.shape().dims().forEach(t.putArray("shape")::add);
        t.put("layout", type.layout().irName());
        type.quantization().ifPresent(q -> Attr.writeQuantization(t.putObject("quantization"), q));
    }

    private static Value readValue(JsonNode o, String where) {
        if (o.isObject() && !where.startsWith("parameters[")) {
            requireKeys(o, VALUE_KEYS, where);
        }
        String name = text(o, "name", where);
        JsonNode t = o.get("type");
        if (t == null || !t.isObject()) {
            throw new IrParseException(where + " ('" + name + "'): field 'type' must be an object");
        }
        String w = where + ".type";
        requireKeys(t, TYPE_KEYS, w + " ('" + name + "')");
        if (t.has("quantization") && t.get("quantization").isObject()) {
            requireKeys(t.get("quantization"), QUANTIZATION_KEYS, w + ".quantization ('" + name + "')");
        }
        try {
            DType dtype = DType.fromIrName(text(t, "dtype", w));
            Shape shape = new Shape(Attr.intList(t, "shape", -1));
            Layout layout = Layout.fromIrName(text(t, "layout", w));
            Optional<dev.tinytrain.ir.Quantization> q = t.has("quantization")
                    ? Optional.of(Attr.readQuantization(t.get("quantization"), w + ".quantization"))
                    : Optional.empty();
            long elements = 1;
            for (int d : shape.dims()) {
                elements = elements > MAX_TENSOR_BYTES ? elements : elements * d; // saturates before overflow
            }
            if (elements > MAX_TENSOR_BYTES || new TensorType(dtype, shape, layout, q).byteSize() > MAX_TENSOR_BYTES) {
                throw new IrParseException(w + " ('" + name + "'): " + dtype.irName() + shape + " needs more than "
                        + MAX_TENSOR_BYTES + " bytes, the most one tensor may have");
            }
            return new Value(name, new TensorType(dtype, shape, layout, q));
        } catch (IrParseException e) {
            if (e.getMessage().startsWith(w)) {
                throw e;
            }
            throw new IrParseException(w + " ('" + name + "'): " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IrParseException(w + " ('" + name + "'): " + e.getMessage(), e);
        } catch (dev.tinytrain.ir.InvalidQuantizationException e) {
            throw new IrParseException(w + " ('" + name + "'): " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode o, String field, String where) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new IrParseException((where.isEmpty() ? "" : where + ": ") + "missing or non-text field '"
                    + field + "'");
        }
        return n.textValue();
    }

    private static JsonNode array(JsonNode o, String field, String where) {
        JsonNode n = o.get(field);
        if (n == null || !n.isArray()) {
            throw new IrParseException((where.isEmpty() ? "" : where + ": ") + "missing or non-array field '"
                    + field + "'");
        }
        return n;
    }
}
