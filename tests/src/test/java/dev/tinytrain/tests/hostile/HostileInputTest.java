package dev.tinytrain.tests.hostile;

import static dev.tinytrain.tests.hostile.HostileCase.rejected;
import static dev.tinytrain.tests.hostile.HostileCase.usage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tinytrain.cli.CliRun;
import dev.tinytrain.compiler.zoo.ModelZoo;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.json.IrJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and malformed inputs to every command, generated case by case (issue 12). Each case runs the command
 * line in-process in a folder of its own and asserts: the exit code; one message on stderr naming the file, field
 * or op at fault and the reason; no stack trace, no Java class name; nothing in the folder changed except what the
 * case may change (a snapshot before and after, so a refused output and every input are byte-for-byte intact);
 * and an end within 20 s (a generous bound that catches hangs on pipes and runaway allocations, not a timing).
 */
class HostileInputTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    /** Three conv descriptors of mbv2-w0.35: the first, a depthwise one inside a block, the classifier. */
    private static final List<String> CONVS = List.of("first_conv", "blocks[2].depthwise", "classifier");

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyCaseIsRejectedCleanly() {
        List<HostileCase> cases = new ArrayList<>();
        modelFields(cases);
        modelFiles(cases);
        fileKinds(cases);
        irJson(cases);
        policies(cases);
        outputs(cases);
        dimensions(cases);
        goldens(cases);
        datasets(cases);
        assertTrue(cases.size() >= 150, "the suite has " + cases.size() + " cases");
        int[] i = {0};
        return cases.stream().map(c -> DynamicTest.dynamicTest(String.format("%03d %s", i[0]++, c.name()),
                () -> run(c, tmp.resolve(String.format("case%03d", i[0] - 1)))));
    }

    private static void run(HostileCase c, Path dir) throws IOException {
        SharedFolder.require();
        Files.createDirectories(dir);
        Work w = new Work(dir);
        List<String> args = c.setup().prepare(w);
        FolderSnapshot before = FolderSnapshot.of(dir);
        CliRun r = assertTimeoutPreemptively(BOUND, () -> CliRun.run(args.toArray(String[]::new)),
                () -> "tinytrain " + args + " did not end within " + BOUND);
        String what = "tinytrain " + String.join(" ", args) + "\nstdout: " + r.out() + "\nstderr: " + r.err();
        assertEquals(c.exit(), r.exit(), what);
        for (String m : c.mentions()) {
            assertTrue(r.err().contains(m), "the message should mention '" + m + "': " + what);
        }
        if (c.exit() == 1) {
            assertTrue(r.err().contains("tinytrain: error: "), "one error message: " + what);
        }
        for (String leak : List.of("\tat ", "internal error", "Exception", "java.", "com.fasterxml", "org.apache",
                "picocli.")) {
            assertTrue(!r.err().contains(leak), "no stack trace or class name (" + leak.strip() + "): " + what);
        }
        List<String> changed = before.changesOutside(FolderSnapshot.of(dir), c.mayChange());
        assertEquals(List.of(), changed, "nothing but the requested output may change: " + what);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> args(String... a) {
        return List.of(a);
    }

    private static HostileCase inspectModel(String name, Consumer<ObjectNode> edit, String... mentions) {
        return rejected(name, w -> args("inspect", "--model", w.model(edit)), mentions);
    }

    // ---- model.json: every conv field out of range, of the wrong type, or unknown ----

    private static void modelFields(List<HostileCase> cases) {
        Map<String, List<JsonNode>> bad = Map.ofEntries(
                Map.entry("in_channel", List.of(IntNode.valueOf(-1), IntNode.valueOf(0), LongNode.valueOf(1L << 32),
                        DoubleNode.valueOf(16.0), TextNode.valueOf("16"))),
                Map.entry("out_channel", List.of(IntNode.valueOf(-8), IntNode.valueOf(0),
                        IntNode.valueOf(70_000))),
                Map.entry("kernel_size", List.of(Work.array(0, 0), Work.array(-3, -3), Work.array(3, 5),
                        Work.array((1L << 32) + 3, (1L << 32) + 3), Work.array(65, 65), TextNode.valueOf("3"))),
                Map.entry("stride", List.of(IntNode.valueOf(0), IntNode.valueOf(-2), IntNode.valueOf(65),
                        LongNode.valueOf(1L << 31))),
                Map.entry("groups", List.of(IntNode.valueOf(0), IntNode.valueOf(-1), IntNode.valueOf(65_537))),
                Map.entry("act", List.of(TextNode.valueOf("gelu"), TextNode.valueOf("relu6"))),
                Map.entry("params.x_scale", List.of(DoubleNode.valueOf(5e-324), DoubleNode.valueOf(1e308),
                        DoubleNode.valueOf(1e-39), DoubleNode.valueOf(-0.5), DoubleNode.valueOf(0.0))),
                Map.entry("params.y_scale", List.of(DoubleNode.valueOf(5e-324), DoubleNode.valueOf(1e308),
                        DoubleNode.valueOf(1e-39))),
                Map.entry("params.x_zero", List.of(IntNode.valueOf(128), IntNode.valueOf(-129),
                        DoubleNode.valueOf(0.5))),
                Map.entry("params.weight.shape", List.of(Work.array(1L << 32, 1, 1, 1), Work.array(-1, 1, 1, 1))),
                Map.entry("params.weight.offset", List.of(LongNode.valueOf(1L << 62), IntNode.valueOf(-16))),
                Map.entry("params.weight.dtype", List.of(TextNode.valueOf("float16"))),
                Map.entry("params.bias.nbytes", List.of(IntNode.valueOf(-4), LongNode.valueOf(1L << 40))));
        for (String conv : CONVS) {
            for (var e : new java.util.TreeMap<>(bad).entrySet()) {
                for (JsonNode v : e.getValue()) {
                    String field = conv + "." + e.getKey();
                    // a wrong channel count may first show as a shape mismatch of the weights: the conv is named
                    String mention = e.getKey().endsWith("_channel") || e.getKey().equals("groups") ? conv : field;
                    cases.add(inspectModel("model.json " + field + " = " + v, root -> Work.set(root, field, v),
                            mention));
                }
            }
            cases.add(inspectModel("model.json unknown key " + conv + ".activation",
                    root -> ((ObjectNode) Work.node(root, conv)).put("activation", "relu"), conv + ".activation",
                    "unknown key"));
            cases.add(inspectModel("model.json unknown key " + conv + ".params.scale",
                    root -> ((ObjectNode) Work.node(root, conv + ".params")).put("scale", 1.0),
                    conv + ".params.scale", "unknown key"));
            cases.add(rejected("weights.bin " + conv + " w_scales[0] subnormal in float32",
                    w -> args("inspect", "--model", w.modelFloat(conv + ".params.w_scales", 0, 1e-40f)),
                    conv + ".params.w_scales"));
            cases.add(rejected("weights.bin " + conv + " w_scales[1] NaN",
                    w -> args("inspect", "--model", w.modelFloat(conv + ".params.w_scales", 1, Float.NaN)),
                    conv + ".params.w_scales"));
        }
    }

    /** The model with {@code model.json} holding exactly {@code bytes}. */
    private static HostileCase modelJson(String name, byte[] bytes, String... mentions) {
        return rejected(name, w -> {
            String m = w.model();
            Files.write(Path.of(m, "model.json"), bytes);
            return args("inspect", "--model", m);
        }, mentions);
    }

    // ---- model.json as a whole, and weights.bin against it ----

    private static void modelFiles(List<HostileCase> cases) {
        cases.add(inspectModel("model.json unknown top-level key", root -> root.put("heads", 3), "heads",
                "unknown key"));
        cases.add(inspectModel("model.json unknown key in weights", root -> ((ObjectNode) root.get("weights"))
                .put("compression", "zstd"), "weights.compression"));
        cases.add(inspectModel("model.json unknown key in source", root -> ((ObjectNode) root.get("source"))
                .put("license", "?"), "source.license"));
        cases.add(inspectModel("model.json unknown key in a block", root -> ((ObjectNode) root.get("blocks").get(3))
                .put("shortcut", true), "blocks[3].shortcut"));
        cases.add(inspectModel("model.json format of another tool", root -> root.put("format", "onnx"), "format"));
        cases.add(inspectModel("weights.nbytes 2^40 (more than the file)", root -> ((ObjectNode) root.get("weights"))
                .put("nbytes", 1L << 40), "weights.nbytes"));
        cases.add(inspectModel("weights.nbytes negative", root -> ((ObjectNode) root.get("weights"))
                .put("nbytes", -1), "weights.nbytes"));
        cases.add(inspectModel("weights.nbytes a string", root -> ((ObjectNode) root.get("weights"))
                .put("nbytes", "400k"), "weights.nbytes"));
        cases.add(inspectModel("weights.file escapes the folder", root -> ((ObjectNode) root.get("weights"))
                .put("file", "../weights.bin"), "weights.file"));
        cases.add(inspectModel("blocks is an object", root -> root.putObject("blocks"), "blocks"));
        cases.add(rejected("model.json: a second JSON object after the first",
                w -> args("inspect", "--model", w.modelText(s -> s + "\n{\"format\": \"x\"}\n")), "model.json",
                "trailing content"));
        cases.add(rejected("model.json: a duplicate key",
                w -> args("inspect", "--model", w.modelText(s -> s.replaceFirst("\\{", "{\"format\": 1, "))),
                "model.json", "Duplicate field 'format'"));
        cases.add(modelJson("model.json: empty", new byte[0], "model.json"));
        cases.add(modelJson("model.json: not UTF-8", new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'},
                "model.json"));
        cases.add(modelJson("model.json: an array", utf8("[1, 2, 3]"), "model.json", "must hold a JSON object"));
        cases.add(modelJson("model.json: nested 100,000 deep", utf8("[".repeat(100_000)), "model.json",
                "not valid JSON", "nesting depth"));
        cases.add(rejected("weights.bin truncated to half", w -> {
            String m = w.model();
            Path f = Path.of(m, "weights.bin");
            Files.write(f, java.util.Arrays.copyOf(Files.readAllBytes(f), (int) Files.size(f) / 2));
            return args("inspect", "--model", m);
        }, "weights.bin", "weights.nbytes"));
        cases.add(rejected("weights.bin one byte flipped", w -> {
            String m = w.model();
            Path f = Path.of(m, "weights.bin");
            byte[] b = Files.readAllBytes(f);
            b[100] ^= 1;
            Files.write(f, b);
            return args("inspect", "--model", m);
        }, "weights.bin", "weights.sha256"));
    }

    // ---- inputs that are not regular files: pipes (would block), devices (endless), folders, huge files ----

    /** Puts something in place of a model file (or nothing, for a missing file). */
    @FunctionalInterface
    private interface Replacement {
        void put(Work w, String relativePath) throws IOException;
    }

    /** The model with {@code file} replaced, given to {@code command} ({@code inspect} or {@code compile}). */
    private static HostileCase modelFile(String name, String command, String file, Replacement r,
            String... mentions) {
        return rejected(name, w -> {
            String m = w.model();
            Files.delete(Path.of(m, file));
            r.put(w, "m/" + file);
            return command.equals("inspect") ? args("inspect", "--model", m)
                    : args("compile", "--model", m, "--scheme", "mbv2-99kb", "--out", w.at("out"));
        }, mentions);
    }

    private static void fileKinds(List<HostileCase> cases) {
        cases.add(modelFile("model.json is a named pipe", "inspect", "model.json", Work::fifo, "model.json",
                "named pipe"));
        cases.add(modelFile("weights.bin is a named pipe (inspect)", "inspect", "weights.bin", Work::fifo,
                "weights.bin", "named pipe"));
        cases.add(modelFile("weights.bin is a named pipe (compile hashes its inputs first)", "compile",
                "weights.bin", Work::fifo, "weights.bin", "named pipe"));
        cases.add(modelFile("weights.bin links to /dev/zero", "inspect", "weights.bin",
                (w, f) -> w.link(f, "/dev/zero"), "weights.bin", "character device"));
        cases.add(modelFile("model.json links to /dev/zero", "inspect", "model.json",
                (w, f) -> w.link(f, "/dev/zero"), "model.json", "character device"));
        cases.add(modelFile("model.json is a folder", "inspect", "model.json", Work::folder, "model.json",
                "folder"));
        cases.add(modelFile("model.json is missing", "inspect", "model.json", (w, f) -> { }, "model.json",
                "no such file"));
        cases.add(modelFile("weights.bin is missing", "inspect", "weights.bin", (w, f) -> { }, "weights.bin",
                "no such file"));
        cases.add(modelFile("model.json is a sparse 600 MiB file", "inspect", "model.json",
                (w, f) -> w.sparse(f, 600L << 20), "model.json", "more than"));
        cases.add(rejected("the model folder is missing", w -> args("inspect", "--model", w.at("nowhere")),
                "nowhere", "not found"));
        cases.add(rejected("the model folder is a file", w -> args("inspect", "--model", w.file("m.txt", "x")),
                "m.txt", "unknown format"));
        cases.add(rejected("a .tflite file that is not a flatbuffer", w -> args("inspect", "--model",
                w.file("m.tflite", "not a model at all")), "m.tflite", "not a TFLite flatbuffer"));
        cases.add(rejected("an empty .tflite file", w -> args("report", "--model", w.file("e.tflite", ""),
                "--scheme", "head-only"), "e.tflite", "not a TFLite flatbuffer"));
        cases.add(rejected("a sparse 300 MiB .tflite file", w -> args("inspect", "--model",
                w.sparse("big.tflite", 300L << 20)), "big.tflite", "more than"));
        cases.add(rejected("weights.bin is a sparse 3 GiB file that model.json declares", w -> {
            String m = w.model(root -> ((ObjectNode) root.get("weights")).put("nbytes", 3L << 30));
            Files.delete(Path.of(m, "weights.bin"));
            w.sparse("m/weights.bin", 3L << 30);
            return args("inspect", "--model", m);
        }, "weights.bin", "more than"));
        cases.add(rejected("the IR JSON file is a named pipe",
                w -> args("inspect", "--graph", w.fifo("g.json")), "g.json", "named pipe"));
        cases.add(rejected("the IR JSON file is missing",
                w -> args("inspect", "--graph", w.at("g.json")), "g.json", "no such file"));
        cases.add(rejected("the IR JSON file given to compile is a named pipe",
                w -> args("compile", "--model", w.fifo("g.json"), "--scheme", "head-only", "--out", w.at("out")),
                "g.json"));
        cases.add(rejected("the policy file is a named pipe", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", w.fifo("p.json"), "--out", w.at("out")), "p.json", "named pipe"));
        cases.add(rejected("the policy file is a folder", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", w.folder("p.json"), "--out", w.at("out")), "p.json", "folder"));
        cases.add(rejected("the policy file is missing", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", w.at("p.json"), "--out", w.at("out")), "p.json", "not found"));
        cases.add(rejected("the head-init file is a named pipe", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", "head-only", "--head-init", w.fifo("h.bin"), "--out", w.at("out")), "h.bin",
                "named pipe"));
        cases.add(rejected("the head-init file is a named pipe (report)", w -> args("report", "--model", w.model(),
                "--scheme", "head-only", "--head-init", w.fifo("h.bin")), "h.bin", "named pipe"));
        cases.add(rejected("the golden JSON is a named pipe", w -> args("verify-golden", w.fifo("g.json")),
                "g.json", "named pipe"));
        cases.add(rejected("the golden's bin file is a named pipe", w -> {
            String g = w.golden(root -> { });
            Files.delete(Path.of(g).resolveSibling("forward_0.bin"));
            w.fifo("golden/forward_0.bin");
            return args("verify-golden", g);
        }, "forward_0.bin", "named pipe"));
        cases.add(rejected("IDX images are a named pipe", w -> args("dataset", "idx-to-arrow", "--images",
                w.fifo("i.idx"), "--labels", w.file("l.idx", "x"), "--out", w.at("d.arrow")), "i.idx", "named pipe"));
        cases.add(rejected("IDX labels are /dev/zero", w -> args("dataset", "idx-to-arrow", "--images",
                w.file("i.idx", idxImages(2, 2, 2)), "--labels", "/dev/zero", "--out", w.at("d.arrow")), "/dev/zero",
                "character device"));
        cases.add(rejected("IDX images are missing", w -> args("dataset", "idx-to-arrow", "--images",
                w.at("i.idx"), "--labels", w.file("l.idx", "x"), "--out", w.at("d.arrow")), "i.idx",
                "no such file"));
        cases.add(rejected("the Arrow data of finetune is a named pipe", w -> args("finetune", "--model", w.model(),
                "--scheme", "head-only", "--data", w.fifo("d.arrow"), "--train-limit", "1"), "d.arrow",
                "named pipe"));
        cases.add(rejected("the Arrow data of finetune is missing", w -> args("finetune", "--model", w.model(),
                "--scheme", "head-only", "--data", w.at("d.arrow"), "--train-limit", "1"), "d.arrow",
                "no such file"));
    }

    // ---- IR JSON: strict reading ----

    private static HostileCase inspectGraph(String name, Consumer<ObjectNode> edit, String... mentions) {
        return rejected(name, w -> {
            ObjectNode root = (ObjectNode) Work.JSON.readTree(IrJson.write(TinyGraphs.block()));
            edit.accept(root);
            return args("inspect", "--graph", w.file("g.json", Work.JSON.writeValueAsString(root)));
        }, mentions);
    }

    private static ObjectNode firstType(ObjectNode root) {
        return (ObjectNode) root.get("inputs").get(0).get("type");
    }

    private static void irJson(List<HostileCase> cases) {
        cases.add(inspectGraph("IR JSON unknown top-level field", r -> r.put("version", 2), "unknown field 'version'",
                "g.json"));
        cases.add(inspectGraph("IR JSON unknown node field", r -> ((ObjectNode) r.get("nodes").get(0))
                .put("device", "gpu"), "nodes[0]", "unknown field 'device'"));
        cases.add(inspectGraph("IR JSON unknown attribute", r -> ((ObjectNode) r.get("nodes").get(0).get("attrs"))
                .put("dilation", 2), "nodes[0]", "unknown attribute 'dilation'"));
        cases.add(inspectGraph("IR JSON unknown type field", r -> firstType(r).put("strides", 1),
                "inputs[0].type", "unknown field 'strides'"));
        cases.add(inspectGraph("IR JSON unknown quantization field", r -> ((ObjectNode) firstType(r)
                .get("quantization")).put("bits", 4), "quantization", "unknown field 'bits'"));
        cases.add(inspectGraph("IR JSON unknown parameter field", r -> ((ObjectNode) r.get("parameters").get(0))
                .put("frozen", true), "parameters[0]", "unknown field 'frozen'"));
        cases.add(inspectGraph("IR JSON dimension 2^32", r -> firstType(r).set("shape", Work.array(1, 1L << 32, 8, 8)),
                "inputs[0].type", "shape"));
        cases.add(inspectGraph("IR JSON dimension -1", r -> firstType(r).set("shape", Work.array(1, -1, 8, 8)),
                "inputs[0].type"));
        cases.add(inspectGraph("IR JSON input of 2^62 bytes", r -> firstType(r).set("shape",
                Work.array(1, Integer.MAX_VALUE, Integer.MAX_VALUE, 3)), "inputs[0].type", "bytes"));
        cases.add(inspectGraph("IR JSON scale 5e-324 (0 in float32)", r -> ((ObjectNode) firstType(r)
                .get("quantization")).set("scales", Work.JSON.createArrayNode().add(5e-324)), "inputs[0].type",
                "not a normal float32"));
        cases.add(inspectGraph("IR JSON scale 1e308 (infinite in float32)", r -> ((ObjectNode) firstType(r)
                .get("quantization")).set("scales", Work.JSON.createArrayNode().add(1e308)), "inputs[0].type",
                "not a normal float32"));
        cases.add(inspectGraph("IR JSON subnormal scale 1e-39", r -> ((ObjectNode) firstType(r)
                .get("quantization")).set("scales", Work.JSON.createArrayNode().add(1e-39)), "inputs[0].type",
                "not a normal float32"));
        cases.add(inspectGraph("IR JSON unknown dtype", r -> firstType(r).put("dtype", "float16"), "inputs[0].type",
                "unknown dtype 'float16'"));
        cases.add(inspectGraph("IR JSON unknown layout", r -> firstType(r).put("layout", "NCHW_VECT_C"),
                "inputs[0].type"));
        cases.add(inspectGraph("IR JSON trainable is a string", r -> ((ObjectNode) r.get("parameters").get(0))
                .put("trainable", "yes"), "parameters[0]", "trainable"));
        cases.add(inspectGraph("IR JSON parameter data not base64", r -> ((ObjectNode) r.get("parameters").get(0))
                .put("data", "!!!"), "parameters[0].data", "base64"));
        cases.add(inspectGraph("IR JSON parameter data of the wrong length", r -> ((ObjectNode) r.get("parameters")
                .get(0)).put("data", "AAAA"), "c1.weight", "needs 108 bytes"));
        cases.add(inspectGraph("IR JSON output never defined", r -> ((ArrayNode) r.get("outputs")).add("ghost"),
                "ghost"));
        cases.add(inspectGraph("IR JSON operand never defined", r -> ((ArrayNode) r.get("nodes").get(0).get("inputs"))
                .set(0, TextNode.valueOf("ghost")), "ghost"));
        cases.add(inspectGraph("IR JSON unknown op", r -> ((ObjectNode) r.get("nodes").get(0)).put("op", "gelu"),
                "unknown op 'gelu'"));
        cases.add(rejected("IR JSON: a second object after the first", w -> args("inspect", "--graph",
                w.file("g.json", IrJson.write(TinyGraphs.block()) + "{}\n")), "g.json", "trailing content"));
        cases.add(rejected("IR JSON: a duplicate key", w -> args("inspect", "--graph",
                w.file("g.json", IrJson.write(TinyGraphs.block()).replaceFirst("\\{", "{\"name\": \"x\","))),
                "g.json", "Duplicate field 'name'"));
        cases.add(rejected("IR JSON: NaN is not JSON", w -> args("inspect", "--graph",
                w.file("g.json", IrJson.write(TinyGraphs.block()).replaceFirst("\"scales\" : \\[ [0-9.eE-]+",
                        "\"scales\" : [ NaN"))), "g.json", "malformed IR JSON", "NaN", "line"));
        cases.add(rejected("IR JSON: NaN head weights compile to nothing", w -> args("compile", "--model",
                zooGraph(w, "head.weight", Float.NaN), "--scheme", "head-only", "--out", w.at("out")),
                "head.weight", "must be finite"));
        cases.add(rejected("IR JSON: infinite head bias compiles to nothing", w -> args("compile", "--model",
                zooGraph(w, "head.bias", Float.POSITIVE_INFINITY), "--scheme", "head-only", "--out", w.at("out")),
                "head.bias", "must be finite"));
        cases.add(rejected("IR JSON: a conv output scale of 1e36 (effective scale subnormal in float32)", w -> {
            ObjectNode root = (ObjectNode) Work.JSON.readTree(IrJson.write(ModelZoo.build("mbv2-w0.35").graph()));
            ObjectNode node = (ObjectNode) root.get("nodes").get(0);
            ((ObjectNode) node.get("attrs").get("out")).set("scales", Work.JSON.createArrayNode().add(1e36));
            ((ObjectNode) node.get("outputs").get(0).get("type").get("quantization")).set("scales",
                    Work.JSON.createArrayNode().add(1e36));
            return args("compile", "--model", w.file("g.json", Work.JSON.writeValueAsString(root)), "--scheme",
                    "head-only", "--out", w.at("out"));
        }, "effective scale", "numerics"));
    }

    /** The zoo's mbv2 as IR JSON with float parameter {@code param}'s first element set to {@code value}. */
    private static String zooGraph(Work w, String param, float value) throws IOException {
        ObjectNode root = (ObjectNode) Work.JSON.readTree(IrJson.write(ModelZoo.build("mbv2-w0.35").graph()));
        for (JsonNode p : root.get("parameters")) {
            if (p.get("name").asText().equals(param)) {
                byte[] data = Base64.getDecoder().decode(p.get("data").asText());
                ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value);
                ((ObjectNode) p).put("data", Base64.getEncoder().encodeToString(data));
            }
        }
        return w.file("g.json", Work.JSON.writeValueAsString(root));
    }

    // ---- policy JSON ----

    private static HostileCase policy(String name, String json, String... mentions) {
        return rejected(name, w -> args("compile", "--model", "mbv2-w0.35", "--scheme", w.file("p.json", json),
                "--out", w.at("out")), mentions);
    }

    private static void policies(List<HostileCase> cases) {
        cases.add(policy("policy unknown key", "{\"bias_window\": 4, \"lr\": 1}", "p.json", "lr"));
        cases.add(policy("policy trailing object", "{\"bias_window\": 4}\n{\"bias_window\": 5}", "p.json",
                "trailing content"));
        cases.add(policy("policy duplicate key", "{\"bias_window\": 4, \"bias_window\": 5}", "p.json",
                "Duplicate field"));
        cases.add(policy("policy bias_window negative", "{\"bias_window\": -1}", "p.json", "bias_window"));
        cases.add(policy("policy bias_window 1e10", "{\"bias_window\": 10000000000}", "p.json", "bias_window"));
        cases.add(policy("policy bias_window a word", "{\"bias_window\": \"some\"}", "p.json", "bias_window"));
        cases.add(policy("policy weight with an unknown key", "{\"bias_window\": 4, \"weights\": [{\"conv\": 3,"
                + " \"lr\": 2}]}", "p.json", "weights[0]"));
        cases.add(policy("policy ratio 2", "{\"bias_window\": 4, \"weights\": [{\"conv\": 3, \"ratio\": 2}]}",
                "p.json", "ratio"));
        cases.add(policy("policy ratio negative", "{\"bias_window\": 4, \"weights\": [{\"conv\": 3, \"ratio\":"
                + " -0.5}]}", "p.json", "ratio"));
        cases.add(policy("policy unknown rule", "{\"bias_window\": 4, \"weights\": [{\"conv\": 3, \"ratio\": 0.5,"
                + " \"rule\": \"fancy\"}]}", "p.json", "rule"));
        cases.add(policy("policy negative channel", "{\"bias_window\": 4, \"weights\": [{\"conv\": 3,"
                + " \"channels\": [-1]}]}", "p.json", "channels"));
        cases.add(policy("policy conv index beyond the model", "{\"bias_window\": 4, \"weights\": [{\"conv\":"
                + " 99999}]}", "99999"));
        cases.add(policy("policy of another format", "{\"format\": \"tflite\", \"bias_window\": 4}", "p.json",
                "format"));
        cases.add(policy("policy not JSON", "bias_window = 4", "p.json", "not valid JSON"));
        cases.add(policy("policy empty", "", "p.json"));
        cases.add(policy("policy an array", "[4]", "p.json", "object"));
    }

    // ---- outputs: never over an input, never over a user's folder ----

    private static void outputs(List<HostileCase> cases) {
        cases.add(rejected("compile --out: a folder with an empty tinytrain.stamp beside a user's file", w -> {
            w.file("out/tinytrain.stamp", "");
            w.file("out/thesis.tex", "precious");
            return args("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out", w.at("out"));
        }, "refusing to replace", "not written by tinytrain"));
        cases.add(rejected("compile --out: a user's folder", w -> {
            w.file("out/data.csv", "1,2,3");
            return args("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out", w.at("out"));
        }, "refusing to replace"));
        cases.add(rejected("compile --out: tinytrain's folder with a user's file added", w -> {
            w.file("out/tinytrain.manifest", "tinytrain-manifest/1\nreport.txt\n");
            w.file("out/report.txt", "old report");
            w.file("out/notes.md", "mine");
            return args("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out", w.at("out"));
        }, "notes.md", "tinytrain did not write"));
        cases.add(rejected("compile --out: tinytrain's folder with a symbolic link added", w -> {
            w.file("out/tinytrain.manifest", "tinytrain-manifest/1\nreport.txt\n");
            w.file("out/report.txt", "old report");
            w.link("out/home", "/");
            return args("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out", w.at("out"));
        }, "home", "tinytrain did not write"));
        cases.add(rejected("compile --out: a manifest of another format", w -> {
            w.file("out/tinytrain.manifest", "files:\nreport.txt\n");
            w.file("out/report.txt", "old report");
            return args("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out", w.at("out"));
        }, "tinytrain.manifest"));
        cases.add(rejected("compile --out: the model's own folder", w -> args("compile", "--model", w.model(),
                "--scheme", "mbv2-99kb", "--out", w.model()), "is the input"));
        cases.add(rejected("compile --out: the folder holding the model", w -> args("compile", "--model", w.model(),
                "--scheme", "mbv2-99kb", "--out", w.dir.toString()), "holds the input"));
        cases.add(rejected("compile --out: the folder holding the policy", w -> args("compile", "--model",
                "mbv2-w0.35", "--scheme", w.file("pol/p.json", "{\"bias_window\": 2}"), "--out", w.at("pol")),
                "holds the input", "p.json"));
        cases.add(rejected("compile --out: an existing file", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", "mbv2-99kb", "--out", w.file("out", "a file")), "not a folder"));
        cases.add(rejected("compile --out: a symbolic link to a folder", w -> {
            w.folder("real");
            return args("compile", "--model", "mbv2-w0.35", "--scheme", "mbv2-99kb", "--out",
                    w.link("out", w.at("real")));
        }, "symbolic link"));
        cases.add(rejected("compile --out: below a file (OS reason)", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", "head-only", "--out", Path.of(w.file("f", "x"), "out").toString()), "cannot",
                "/f"));
        cases.add(rejected("inspect --json: the model's model.json", w -> args("inspect", "--model", w.model(),
                "--json", Path.of(w.model(), "model.json").toString()), "refusing to write", "input"));
        cases.add(rejected("inspect --json: the model's weights.bin", w -> args("inspect", "--model", w.model(),
                "--json", Path.of(w.model(), "weights.bin").toString()), "refusing to write", "input"));
        cases.add(rejected("inspect --json: a symbolic link to model.json", w -> args("inspect", "--model",
                w.model(), "--json", w.link("ir.json", Path.of(w.model(), "model.json").toString())),
                "refusing to write", "model.json"));
        cases.add(rejected("inspect --json: a hard link to model.json", w -> args("inspect", "--model",
                w.model(), "--json", w.hardLink("ir.json", Path.of(w.model(), "model.json").toString())),
                "refusing to write", "model.json"));
        cases.add(rejected("inspect --json: the IR JSON being read", w -> {
            String g = w.file("g.json", IrJson.write(TinyGraphs.block()));
            return args("inspect", "--graph", g, "--json", g);
        }, "refusing to write"));
        cases.add(rejected("inspect --json: a folder", w -> args("inspect", "--model", w.model(), "--json",
                w.folder("dir.json")), "dir.json", "folder"));
        cases.add(rejected("inspect --json: a named pipe", w -> args("inspect", "--model", w.model(), "--json",
                w.fifo("p.json")), "p.json", "not a regular file"));
        cases.add(rejected("report --svg: the model's model.json", w -> args("report", "--model", w.model(),
                "--scheme", "mbv2-99kb", "--svg", Path.of(w.model(), "model.json").toString()), "refusing to write"));
        cases.add(rejected("report --out and --svg the same file", w -> args("report", "--model", w.model(),
                "--scheme", "mbv2-99kb", "--out", w.at("r.txt"), "--svg", w.at("r.txt")), "named as two outputs"));
        cases.add(rejected("report --out: the policy file", w -> {
            String p = w.file("p.json", "{\"bias_window\": 2}");
            return args("report", "--model", w.model(), "--scheme", p, "--out", p);
        }, "refusing to write"));
        cases.add(rejected("idx-to-arrow --out: the labels file", w -> {
            String l = w.file("l.idx", idxLabels(2));
            return args("dataset", "idx-to-arrow", "--images", w.file("i.idx", idxImages(2, 2, 2)), "--labels", l,
                    "--out", l);
        }, "refusing to write"));
        cases.add(rejected("idx-to-arrow --out: a symbolic link to the images", w -> {
            String i = w.file("i.idx", idxImages(2, 2, 2));
            return args("dataset", "idx-to-arrow", "--images", i, "--labels", w.file("l.idx", idxLabels(2)),
                    "--out", w.link("d.arrow", i));
        }, "refusing to write", "i.idx"));
        cases.add(rejected("idx-to-arrow --out: a folder", w -> args("dataset", "idx-to-arrow", "--images",
                w.file("i.idx", idxImages(2, 2, 2)), "--labels", w.file("l.idx", idxLabels(2)), "--out",
                w.folder("d.arrow")), "d.arrow", "folder"));
        cases.add(rejected("finetune --out: the training data", w -> {
            String d = w.file("d.arrow", "not read");
            return args("finetune", "--model", w.model(), "--scheme", "head-only", "--data", d, "--train-limit",
                    "1", "--out", d);
        }, "refusing to write"));
        cases.add(rejected("finetune --plot: the head-init file", w -> {
            String h = w.file("h.bin", "not read");
            return args("finetune", "--model", w.model(), "--scheme", "head-only", "--data", w.file("d.arrow", "x"),
                    "--train-limit", "1", "--head-init", h, "--plot", h);
        }, "refusing to write"));
        cases.add(rejected("finetune --out and --plot the same file", w -> args("finetune", "--model", w.model(),
                "--scheme", "head-only", "--data", w.file("d.arrow", "x"), "--train-limit", "1", "--out",
                w.at("r"), "--plot", w.at("r")), "named as two outputs"));
        cases.add(rejected("size --out: a user's folder", w -> {
            w.file("c/main.c", "int main(void) { return 0; }\n");
            return args("size", "--model", w.model(), "--scheme", "head-only", "--out", w.at("c"));
        }, "refusing to replace"));
    }

    // ---- untrusted sizes: refused by a cheap bound, quickly ----

    private static void dimensions(List<HostileCase> cases) {
        cases.add(rejected("inspect --resolution 100000", w -> args("inspect", "--model", w.model(),
                "--resolution", "100000"), "resolution", "100000"));
        cases.add(rejected("report --resolution 100000 --target host", w -> args("report", "--model", w.model(),
                "--scheme", "head-only", "--target", "host", "--resolution", "100000"), "resolution"));
        cases.add(rejected("compile --resolution 100000 --target host", w -> args("compile", "--model", w.model(),
                "--scheme", "head-only", "--target", "host", "--resolution", "100000", "--out", w.at("out")),
                "resolution"));
        cases.add(rejected("compile --resolution 0", w -> args("compile", "--model", "mbv2-w0.35", "--scheme",
                "head-only", "--resolution", "0", "--out", w.at("out")), "resolution"));
        cases.add(rejected("inspect --resolution -5", w -> args("inspect", "--model", w.model(), "--resolution",
                "-5"), "resolution"));
        cases.add(rejected("compile --resolution 4096: one activation exceeds the SRAM, refused before planning",
                w -> args("compile", "--model", "mbv2-w0.35", "--scheme", "head-only", "--resolution", "4096",
                        "--out", w.at("out")), "SRAM budget", "refused before planning"));
        cases.add(rejected("compile --head-init with a NaN weight", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", "head-only", "--head-init", headInit(w, 5, Float.NaN), "--out", w.at("out")),
                "head.weight[5]", "must be finite"));
        cases.add(rejected("report --head-init with an infinite weight", w -> args("report", "--model", w.model(),
                "--scheme", "head-only", "--head-init", headInit(w, 0, Float.NEGATIVE_INFINITY)),
                "head.weight[0]", "must be finite"));
        cases.add(rejected("compile --head-init of 7 bytes", w -> args("compile", "--model", "mbv2-w0.35",
                "--scheme", "head-only", "--head-init", w.file("h.bin", new byte[7]), "--out", w.at("out")),
                "h.bin"));
        cases.add(usage("inspect --resolution 2^31", w -> args("inspect", "--model", w.model(), "--resolution",
                "2147483648"), "--resolution"));
    }

    /** The protocol's head-init of mbv2-w0.35 (raw, without its JSON) with float {@code index} set. */
    private static String headInit(Work w, int index, float value) throws IOException {
        byte[] b = Files.readAllBytes(SharedFolder.require().resolve(
                "bench/fashion-mnist-protocol/head-init/mbv2-w0.35.bin"));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * index, value);
        return w.file("h.bin", b);
    }

    // ---- golden files ----

    private static HostileCase golden(String name, Consumer<ObjectNode> edit, String... mentions) {
        return rejected(name, w -> args("verify-golden", w.golden(edit)), mentions);
    }

    private static ObjectNode tensor0(ObjectNode root) {
        return (ObjectNode) root.get("tensors").get(0);
    }

    private static void goldens(List<HostileCase> cases) {
        cases.add(golden("golden tensor of an unknown dtype", r -> tensor0(r).put("dtype", "float16"), "input",
                "unknown dtype"));
        cases.add(golden("golden input tensor stored as int32", r -> {
            tensor0(r).put("dtype", "int32");
            tensor0(r).set("shape", Work.array(1, 3, 64, 64));
        }, "input", "int32", "int8"));
        cases.add(golden("golden input tensor stored as float32", r -> {
            tensor0(r).put("dtype", "float32");
            tensor0(r).set("shape", Work.array(1, 3, 64, 64));
        }, "input", "float32"));
        cases.add(golden("golden shape of 2^40 elements", r -> tensor0(r).set("shape", Work.array(1L << 20, 1L << 20)),
                "tensors[0]"));
        cases.add(golden("golden dimension 2^32", r -> tensor0(r).set("shape", Work.array(1L << 32)), "tensors[0]",
                "shape"));
        cases.add(golden("golden negative offset", r -> tensor0(r).put("offset", -16), "tensors[0]"));
        cases.add(golden("golden offset past the end", r -> tensor0(r).put("offset", Long.MAX_VALUE - 8),
                "tensors[0]"));
        cases.add(golden("golden bin.nbytes wrong", r -> ((ObjectNode) r.get("bin")).put("nbytes", 12), "bin.nbytes"));
        cases.add(golden("golden bin file missing", r -> ((ObjectNode) r.get("bin")).put("file", "nope.bin"),
                "nope.bin", "no such file"));
        cases.add(golden("golden of another format", r -> r.put("format", "npz"), "format"));
        cases.add(rejected("golden JSON with trailing content", w -> {
            String g = w.golden(r -> { });
            Files.writeString(Path.of(g), Files.readString(Path.of(g)) + "{}");
            return args("verify-golden", g);
        }, "forward_0.json", "trailing content"));
    }

    // ---- IDX and Arrow ----

    static byte[] idxImages(int n, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * rows * cols);
        b.putInt(0x00000803).putInt(n).putInt(rows).putInt(cols);
        return b.array();
    }

    static byte[] idxLabels(int n) {
        ByteBuffer b = ByteBuffer.allocate(8 + n);
        b.putInt(0x00000801).putInt(n);
        return b.array();
    }

    private static HostileCase idx(String name, byte[] images, byte[] labels, String... mentions) {
        return rejected(name, w -> args("dataset", "idx-to-arrow", "--images", w.file("i.idx", images), "--labels",
                w.file("l.idx", labels), "--out", w.at("d.arrow")), mentions);
    }

    private static void datasets(List<HostileCase> cases) {
        byte[] huge = ByteBuffer.allocate(16).putInt(0x00000803).putInt(2_000_000_000).putInt(28).putInt(28).array();
        cases.add(idx("IDX header promising 2^31 bytes of images in 16", huge, idxLabels(2), "i.idx", "dims"));
        byte[] wide = ByteBuffer.allocate(16).putInt(0x00000803).putInt(60_000).putInt(28).putInt(28).array();
        cases.add(idx("IDX header promising 47 MB in a 16-byte file", wide, idxLabels(2), "i.idx",
                "header promises"));
        cases.add(idx("IDX wrong magic", idxLabels(2), idxLabels(2), "i.idx", "magic"));
        cases.add(idx("IDX counts differ", idxImages(3, 2, 2), idxLabels(2), "l.idx", "dims[0]"));
        cases.add(idx("IDX empty images", new byte[0], idxLabels(2), "i.idx", "magic"));
        cases.add(rejected("Arrow data of random bytes", w -> args("finetune", "--model", w.model(), "--scheme",
                "head-only", "--data", w.file("d.arrow", new byte[64]), "--train-limit", "1"), "d.arrow"));
        cases.add(rejected("Arrow data of 3 bytes", w -> args("finetune", "--model", w.model(), "--scheme",
                "head-only", "--data", w.file("d.arrow", new byte[3]), "--train-limit", "1"), "d.arrow"));
    }
}
