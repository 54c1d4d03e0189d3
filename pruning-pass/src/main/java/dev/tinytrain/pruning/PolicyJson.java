package dev.tinytrain.pruning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.ir.json.StrictJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes sparse-update policy files ({@code tinytrain-sparse-update/1}):
 *
 * <pre>
 * {
 *   "format": "tinytrain-sparse-update/1",            optional when reading
 *   "target": {"model": "mcunet-5fps", "convs": 42},  optional: the model the policy is written for
 *   "bias_window": 22,                                the last k convs' biases, or "all"
 *   "weights": [                                      optional, default none
 *     {"conv": 21},                                   every channel
 *     {"conv": 36, "ratio": 0.125, "rule": "magnitude"},
 *     {"layer": "blocks[13].pointwise1", "ratio": 0.25, "rule": "first_k"},
 *     {"op": 47, "ratio": 0.125},                     operator 47 of an imported .tflite model
 *     {"last": 2, "ratio": 1},                        the last n convs, or "all"
 *     {"conv": 39, "channels": [0, 5, 17]}
 *   ]
 * }
 * </pre>
 *
 * Each weight names exactly one of {@code conv}, {@code layer}, {@code op}, {@code last}, and at most one of {@code ratio}
 * (with an optional {@code rule}, default {@code magnitude}) and {@code channels}; without either, every channel
 * is trained. Unknown fields are errors. Every error is a {@link PolicyException} naming the field.
 */
public final class PolicyJson {
    /** The value of the {@code format} field. */
    public static final String FORMAT = "tinytrain-sparse-update/1";
    private static final ObjectMapper MAPPER = StrictJson.mapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> TOP_FIELDS = Set.of("format", "target", "bias_window", "weights");
    private static final Set<String> TARGET_FIELDS = Set.of("model", "convs");
    private static final Set<String> WEIGHT_FIELDS = Set.of("conv", "layer", "op", "last", "ratio", "rule",
            "channels");

    private PolicyJson() {
    }

    /**
     * Reads a policy file.
     *
     * @throws PolicyException naming the file and field at fault
     */
    public static SparseUpdatePolicy read(Path file) {
        String text;
        try {
            text = InputFiles.readUtf8(file, InputFiles.TEXT_LIMIT);
        } catch (FileAccessException e) {
            throw new PolicyException("policy file " + file + ": " + (e.getCause() instanceof NoSuchFileException
                    ? "file not found" : e.reason()), e);
        }
        try {
            return parse(text);
        } catch (PolicyException e) {
            throw new PolicyException("policy file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a policy from JSON text.
     *
     * @throws PolicyException naming the field at fault
     */
    public static SparseUpdatePolicy parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PolicyException("not valid JSON: " + StrictJson.describe(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException("a policy must be a JSON object");
        }
        knownFields(root, "", TOP_FIELDS);
        JsonNode format = root.get("format");
        if (format != null && !(format.isTextual() && format.textValue().equals(FORMAT))) {
            throw new PolicyException("format: must be \"" + FORMAT + "\", got " + format);
        }
        SparseUpdatePolicy.Builder b = SparseUpdatePolicy.builder();
        JsonNode target = root.get("target");
        if (target != null) {
            if (!target.isObject()) {
                throw new PolicyException("target: must be an object {\"model\": name, \"convs\": count}, got "
                        + target);
            }
            knownFields(target, "target.", TARGET_FIELDS);
            JsonNode model = required(target, "target.", "model");
            if (!model.isTextual()) {
                throw new PolicyException("target.model: must be a string, got " + model);
            }
            int convs = integer(required(target, "target.", "convs"), "target.convs");
            field("target", () -> b.target(model.textValue(), convs));
        }
        JsonNode window = required(root, "", "bias_window");
        if (window.isTextual() && window.textValue().equals("all")) {
            b.allBiases();
        } else {
            int k = integer(window, "bias_window", "or \"all\"");
            if (k < 0) {
                throw new PolicyException("bias_window: must be >= 0 or \"all\", got " + k);
            }
            b.biasWindow(k);
        }
        JsonNode weights = root.get("weights");
        if (weights != null) {
            if (!weights.isArray()) {
                throw new PolicyException("weights: must be an array, got " + weights);
            }
            for (int i = 0; i < weights.size(); i++) {
                b.weight(weight(weights.get(i), "weights[" + i + "]"));
            }
        }
        return b.build();
    }

    private static WeightUpdate weight(JsonNode w, String field) {
        if (!w.isObject()) {
            throw new PolicyException(field + ": must be an object such as {\"conv\": 21, \"ratio\": 0.5}, got " + w);
        }
        knownFields(w, field + ".", WEIGHT_FIELDS);
        List<String> refs = new ArrayList<>();
        for (String r : List.of("conv", "layer", "op", "last")) {
            if (w.has(r)) {
                refs.add(r);
            }
        }
        if (refs.size() != 1) {
            throw new PolicyException(field + ": must name exactly one of \"conv\", \"layer\", \"op\", \"last\"; "
                    + (refs.isEmpty() ? "none given" : "got " + String.join(", ", refs)));
        }
        String refField = field + "." + refs.get(0);
        JsonNode refNode = w.get(refs.get(0));
        LayerRef ref = switch (refs.get(0)) {
            case "conv" -> {
                int index = integer(refNode, refField);
                yield field(refField, () -> LayerRef.index(index));
            }
            case "layer" -> {
                if (!refNode.isTextual()) {
                    throw new PolicyException(refField + ": must be a layer path string, got " + refNode);
                }
                yield field(refField, () -> LayerRef.named(refNode.textValue()));
            }
            case "op" -> {
                int index = integer(refNode, refField);
                yield field(refField, () -> LayerRef.operator(index));
            }
            default -> {
                if (refNode.isTextual() && refNode.textValue().equals("all")) {
                    yield LayerRef.last(LayerRef.ALL);
                }
                int count = integer(refNode, refField, "or \"all\"");
                yield field(refField, () -> LayerRef.last(count));
            }
        };
        if (w.has("ratio") && w.has("channels")) {
            throw new PolicyException(field + ": give either \"ratio\" or \"channels\", not both");
        }
        if (w.has("rule") && !w.has("ratio")) {
            throw new PolicyException(field + ".rule: only applies with \"ratio\"");
        }
        ChannelSelection sel;
        if (w.has("channels")) {
            JsonNode chs = w.get("channels");
            if (!chs.isArray()) {
                throw new PolicyException(field + ".channels: must be an array of channel indices, got " + chs);
            }
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < chs.size(); i++) {
                list.add(integer(chs.get(i), field + ".channels[" + i + "]"));
            }
            sel = field(field + ".channels", () -> ChannelSelection.explicit(list));
        } else if (w.has("ratio")) {
            JsonNode r = w.get("ratio");
            if (!r.isNumber()) {
                throw new PolicyException(field + ".ratio: must be a number in (0, 1], got " + r);
            }
            ChannelSelection.Rule rule = ChannelSelection.Rule.MAGNITUDE;
            if (w.has("rule")) {
                JsonNode rn = w.get("rule");
                rule = rn.isTextual() ? ChannelSelection.Rule.fromJsonName(rn.textValue()) : null;
                if (rule == null) {
                    throw new PolicyException(field + ".rule: must be \"first_k\" or \"magnitude\", got " + rn);
                }
            }
            ChannelSelection.Rule finalRule = rule;
            sel = field(field + ".ratio", () -> ChannelSelection.ratio(r.doubleValue(), finalRule));
        } else {
            sel = ChannelSelection.all();
        }
        return new WeightUpdate(ref, sel);
    }

    /** The policy as JSON text (a file {@link #parse} reads back to an equal policy). */
    public static String toJson(SparseUpdatePolicy policy) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        policy.target().ifPresent(t -> root.putObject("target").put("model", t.model()).put("convs", t.convs()));
        if (policy.allBiases()) {
            root.put("bias_window", "all");
        } else {
            root.put("bias_window", policy.biasWindow());
        }
        ArrayNode weights = root.putArray("weights");
        for (WeightUpdate w : policy.weights()) {
            ObjectNode o = weights.addObject();
            if (w.layer() instanceof LayerRef.Index i) {
                o.put("conv", i.index());
            } else if (w.layer() instanceof LayerRef.Named n) {
                o.put("layer", n.path());
            } else if (w.layer() instanceof LayerRef.Operator op) {
                o.put("op", op.index());
            } else {
                int count = ((LayerRef.Last) w.layer()).count();
                if (count == LayerRef.ALL) {
                    o.put("last", "all");
                } else {
                    o.put("last", count);
                }
            }
            if (w.selection() instanceof ChannelSelection.Ratio r) {
                o.put("ratio", r.ratio());
                o.put("rule", r.rule().jsonName());
            } else {
                ArrayNode chs = o.putArray("channels");
                ((ChannelSelection.Explicit) w.selection()).channels().forEach(chs::add);
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the policy to {@code file}. */
    public static void write(SparseUpdatePolicy policy, Path file) throws IOException {
        Files.writeString(file, toJson(policy), StandardCharsets.UTF_8);
    }

    private static void knownFields(JsonNode obj, String prefix, Set<String> known) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new PolicyException(prefix + f + ": unknown field (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private static JsonNode required(JsonNode obj, String prefix, String name) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) {
            throw new PolicyException(prefix + name + ": missing");
        }
        return v;
    }

    private static int integer(JsonNode v, String field) {
        return integer(v, field, "");
    }

    private static int integer(JsonNode v, String field, String alternative) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new PolicyException(field + ": must be an integer" + (alternative.isEmpty() ? "" : " " + alternative)
                    + ", got " + v);
        }
        return v.intValue();
    }

    /** Runs a constructor, prefixing its validation error with the field. */
    private static <T> T field(String field, java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (PolicyException e) {
            throw new PolicyException(field + ": " + e.getMessage(), e);
        }
    }
}
