package dev.tinytrain.ir.importer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.fileio.IoReasons;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.json.StrictJson;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.Reshape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports a {@code tinytrain-mcu-model/1} folder ({@code model.json} + {@code weights.bin}, see
 * {@code models/FORMAT.md}) as a forward graph. Checks the weights' size and sha256, every array
 * reference (keys, dtype, shape, bounds, alignment), the descriptors' consistency and the quantization chain;
 * transposes OIHW weights to OHWI (dense) or {@code [1,KH,KW,C]} (depthwise). Works at any input resolution
 * the convolutions accept.
 */
public final class McuModelImporter {
    /** The value of the {@code format} field. */
    public static final String FORMAT = "tinytrain-mcu-model/1";
    // NaN accepted by the parser so that a NaN scale is reported by its field, not as bad JSON
    private static final ObjectMapper MAPPER = StrictJson.mapperAllowingNonFinite();

    /**
     * The largest input height and width: 4096 x 4096 x 3 int8 is 48 MiB, 150 times the STM32F746's SRAM; any
     * larger input is a typo, refused before a graph is built.
     */
    public static final int MAX_RESOLUTION = 4096;
    /** The largest channel count of a conv (the models have at most 1,280). */
    static final int MAX_CHANNELS = 1 << 16;
    /** The largest kernel size and stride. */
    static final int MAX_KERNEL = 64;

    private static final Set<String> TOP_KEYS = Set.of("format", "source", "weights", "first_conv", "blocks",
            "feature_mix", "classifier");
    private static final Set<String> SOURCE_KEYS = Set.of("repository", "commit", "file", "sha256");
    private static final Set<String> WEIGHTS_KEYS = Set.of("file", "nbytes", "sha256");
    private static final Set<String> CONV_KEYS = Set.of("act", "depthwise", "groups", "in_channel", "in_shape",
            "kernel_size", "out_channel", "out_shape", "params", "stride");
    private static final Set<String> CONV_PARAM_KEYS = Set.of("weight", "bias", "w_scales", "x_scale", "x_zero",
            "y_scale", "y_zero");
    private static final Set<String> BLOCK_KEYS = Set.of("pointwise1", "depthwise", "pointwise2", "residual", "se");
    private static final Set<String> RESIDUAL_KEYS = Set.of("in_channel", "in_shape", "kernel_size", "params");
    private static final Set<String> RESIDUAL_PARAM_KEYS = Set.of("x_scale", "x_zero", "y_scale", "y_zero");

    private McuModelImporter() {
    }

    /** Imports at 128x128 with the pretrained classifier. */
    public static ImportedModel load(Path dir) {
        return load(dir, 128, HeadSpec.pretrained());
    }

    /**
     * Imports a model folder.
     *
     * @param dir folder holding {@code model.json} and {@code weights.bin}
     * @param resolution input height and width
     * @param head which head to end with
     * @throws ModelFormatException naming the file and field at fault
     * @throws IrVerificationException if the resulting graph breaks an IR rule (e.g. a resolution too small)
     */
    public static ImportedModel load(Path dir, int resolution, HeadSpec head) {
        if (resolution < 1 || resolution > MAX_RESOLUTION) {
            throw new IllegalArgumentException("resolution must lie in [1, " + MAX_RESOLUTION + "], got "
                    + resolution);
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir, null, Files.exists(dir) ? "is not a folder (a model is a folder"
                    + " holding model.json and weights.bin)" : "no such folder");
        }
        Path jsonFile = dir.resolve("model.json");
        JsonNode root;
        try {
            root = MAPPER.readTree(InputFiles.readAllBytes(jsonFile, InputFiles.TEXT_LIMIT));
        } catch (FileAccessException e) {
            throw new ModelFormatException(jsonFile, null, "cannot read: " + e.reason());
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(jsonFile, null, "not valid JSON: " + StrictJson.describe(e));
        } catch (IOException e) {
            throw new ModelFormatException(jsonFile, null, IoReasons.reason(jsonFile, e));
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(jsonFile, null, "must hold a JSON object");
        }
        ModelJson top = new ModelJson(jsonFile, root, "", ByteBuffer.allocate(0));
        top.requireKeys(TOP_KEYS);
        if (!root.path("format").asText("").equals(FORMAT)) {
            throw top.error("format", "must be \"" + FORMAT + "\", got " + root.get("format"));
        }
        if (root.has("source")) {
            top.object("source").requireKeys(SOURCE_KEYS);
        }
        ModelJson weightsInfo = top.object("weights");
        weightsInfo.requireKeys(WEIGHTS_KEYS);
        JsonNode wf = root.get("weights").get("file");
        if (wf == null || !wf.isTextual() || wf.textValue().contains("/") || wf.textValue().contains("\\")) {
            throw weightsInfo.error("file", "must name a file in the model folder");
        }
        Path weightsFile = dir.resolve(wf.textValue());
        JsonNode declared = root.get("weights").get("nbytes");
        if (declared == null || !declared.isIntegralNumber() || !declared.canConvertToLong()
                || declared.longValue() < 0) {
            throw weightsInfo.error("nbytes", "must be a non-negative integer, got " + declared);
        }
        long nbytes = declared.longValue();
        byte[] bytes;
        try {
            // the declared size against the file's before a byte is allocated
            long size = InputFiles.requireRegular(weightsFile);
            if (size != nbytes) {
                throw new ModelFormatException(weightsFile, "weights.nbytes", "file has " + size
                        + " bytes, model.json says " + nbytes + " (truncated or wrong file)");
            }
            bytes = InputFiles.readAllBytes(weightsFile, nbytes);
        } catch (FileAccessException e) {
            throw new ModelFormatException(weightsFile, null, "cannot read: " + e.reason());
        }
        if (bytes.length != nbytes) {
            throw new ModelFormatException(weightsFile, "weights.nbytes", "file has " + bytes.length
                    + " bytes, model.json says " + nbytes + " (truncated or wrong file)");
        }
        String sha = Hashing.sha256().hashBytes(bytes).toString();
        String expectedSha = root.get("weights").path("sha256").asText("");
        if (!sha.equals(expectedSha)) {
            throw new ModelFormatException(weightsFile, "weights.sha256", "sha256 is " + sha + ", model.json says "
                    + expectedSha);
        }
        ModelJson model = new ModelJson(jsonFile, root, "", ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        return new Builder(model, name, sha, resolution, head).build();
    }

    /** Builds the graph while walking the descriptors in execution order. */
    private static final class Builder {
        private final ModelJson model;
        private final String name;
        private final String sha;
        private final int resolution;
        private final HeadSpec head;
        private final GraphBuilder b;
        private final Map<String, Value> taps = new LinkedHashMap<>();
        private final List<String> convOrder = new ArrayList<>();

        Builder(ModelJson model, String name, String sha, int resolution, HeadSpec head) {
            this.model = model;
            this.name = name;
            this.sha = sha;
            this.resolution = resolution;
            this.head = head;
            this.b = new GraphBuilder(name);
        }

        ImportedModel build() {
            ModelJson first = model.object("first_conv");
            ModelJson fp = first.object("params");
            Quantization inQ = Quantization.perTensor(fp.scale("x_scale"), fp.zeroPoint("x_zero"));
            Value x = b.input("input", TensorType.quantized(DType.INT8,
                    Shape.of(1, resolution, resolution, first.integer("in_channel", 1, MAX_CHANNELS)), Layout.NHWC, inQ));
            taps.put("input", x);
            x = conv(first, "first_conv", x, true);
            int blocks = model.arraySize("blocks");
            for (int i = 0; i < blocks; i++) {
                x = block(model.element("blocks", i), "blocks[" + i + "]", x);
            }
            if (!model.isNull("feature_mix")) {
                x = conv(model.object("feature_mix"), "feature_mix", x, true);
            }
            Value pooled = b.add("avgpool", new GlobalAvgPool(), x);
            taps.put("avgpool", pooled);
            ModelJson cls = model.object("classifier");
            Value logits;
            if (head.isPretrained()) {
                logits = conv(cls, "classifier", pooled, false);
            } else {
                logits = transferHead(cls, pooled);
            }
            taps.put("logits", logits);
            b.output(logits);
            Graph g = b.build();
            return new ImportedModel(g, name, sha, taps, convOrder);
        }

        private Value block(ModelJson blk, String path, Value in) {
            blk.requireKeys(BLOCK_KEYS);
            Value x = in;
            if (!blk.isNull("pointwise1")) {
                x = conv(blk.object("pointwise1"), path + ".pointwise1", x, true);
            }
            x = conv(blk.object("depthwise"), path + ".depthwise", x, true);
            x = conv(blk.object("pointwise2"), path + ".pointwise2", x, true);
            if (!blk.isNull("se")) {
                throw blk.error("se", "squeeze-excitation blocks are not supported (no model of this format has one)");
            }
            if (!blk.isNull("residual")) {
                ModelJson res = blk.object("residual");
                res.requireKeys(RESIDUAL_KEYS);
                ModelJson rp = res.object("params");
                rp.requireKeys(RESIDUAL_PARAM_KEYS);
                if (res.keysContain("kernel_size")) {
                    throw res.error("kernel_size", "conv shortcuts are not supported (none occurs in the models)");
                }
                checkChain(rp, in);
                Quantization outQ = Quantization.perTensor(rp.scale("y_scale"), rp.zeroPoint("y_zero"));
                x = b.add(path, new QuantizedAdd(outQ), in, x);
            }
            taps.put(path, x);
            return x;
        }

        private Value conv(ModelJson c, String path, Value in, boolean spatial) {
            c.requireKeys(CONV_KEYS);
            if (c.keysContain("act") && !c.isNull("act")) {
                throw c.error("act", "unknown activation " + c.raw("act") + ": " + FORMAT + " stores none (always"
                        + " null; ReLU and ReLU6 are folded into the output clamp)");
            }
            ModelJson p = c.object("params");
            p.requireKeys(CONV_PARAM_KEYS);
            int cin = c.integer("in_channel", 1, MAX_CHANNELS);
            int cout = c.integer("out_channel", 1, MAX_CHANNELS);
            int[] k = c.intPair("kernel_size");
            int stride = c.integer("stride", 1, MAX_KERNEL);
            int groups = c.integer("groups", 1, MAX_CHANNELS);
            if (k[0] != k[1] || k[0] < 1 || k[0] > MAX_KERNEL) {
                throw c.error("kernel_size", "only square kernels of 1 to " + MAX_KERNEL + " are supported, got "
                        + k[0] + "x" + k[1]);
            }
            if (groups < 1 || cin % groups != 0 || cout % groups != 0) {
                throw c.error("groups", groups + " does not divide in_channel " + cin + " and out_channel " + cout);
            }
            if (in.type().shape().dim(3) != cin) {
                throw c.error("in_channel", cin + " does not match the " + in.type().shape().dim(3)
                        + " channels of the previous layer's output");
            }
            boolean depthwise = groups > 1 && groups == cin && groups == cout;
            if (spatial && c.keysContain("depthwise") && c.bool("depthwise") != depthwise) {
                throw c.error("depthwise", "disagrees with groups " + groups + ", in_channel " + cin
                        + ", out_channel " + cout);
            }
            checkChain(p, in);
            int kk = k[0];
            int cinPerGroup = cin / groups;
            // the reference is checked against weights.bin (sizes in long) before an array of its size exists
            ByteBuffer weightData = p.array("weight", "int8", cout, cinPerGroup, kk, kk);
            byte[] oihw = new byte[weightData.remaining()];
            weightData.get(oihw);
            int[] bias = new int[cout];
            p.array("bias", "int32", cout).asIntBuffer().get(bias);
            float[] wScales = new float[cout];
            p.array("w_scales", "float32", cout).asFloatBuffer().get(wScales);
            for (int o = 0; o < cout; o++) {
                if (!(wScales[o] > 0) || !Float.isFinite(wScales[o]) || wScales[o] < Float.MIN_NORMAL) {
                    throw p.error("w_scales", "w_scales[" + o + "] = " + wScales[o] + " must be a finite, normal"
                            + " float32 > 0");
                }
            }
            TensorType wType;
            byte[] w;
            if (depthwise) {
                w = new byte[oihw.length];
                for (int ch = 0; ch < cout; ch++) {
                    for (int i = 0; i < kk * kk; i++) {
                        w[i * cout + ch] = oihw[ch * kk * kk + i];
                    }
                }
                wType = TensorType.quantized(DType.INT8, Shape.of(1, kk, kk, cout), Layout.DEPTHWISE,
                        Quantization.perChannel(wScales, 3));
            } else {
                w = new byte[oihw.length];
                for (int o = 0; o < cout; o++) {
                    for (int i = 0; i < cinPerGroup; i++) {
                        for (int y = 0; y < kk; y++) {
                            for (int xx = 0; xx < kk; xx++) {
                                w[((o * kk + y) * kk + xx) * cinPerGroup + i] = oihw[((o * cinPerGroup + i) * kk + y) * kk + xx];
                            }
                        }
                    }
                }
                wType = TensorType.quantized(DType.INT8, Shape.of(cout, kk, kk, cinPerGroup), Layout.OHWI,
                        Quantization.perChannel(wScales, 0));
            }
            Value wv = b.parameter(path + ".params.weight", wType, TensorData.ofInt8(w));
            Value bv = b.parameter(path + ".params.bias", TensorType.of(DType.INT32, Shape.of(cout), Layout.ROW_MAJOR),
                    TensorData.ofInt32(bias));
            Quantization outQ = Quantization.perTensor(p.scale("y_scale"), p.zeroPoint("y_zero"));
            Value out = b.add(path, Conv2d.samePadding(kk, stride, groups, outQ), in, wv, bv);
            if (spatial) {
                convOrder.add(path);
                taps.put(path, out);
            }
            return out;
        }

        private Value transferHead(ModelJson cls, Value pooled) {
            ModelJson p = cls.object("params");
            checkChain(p, pooled);
            int c = pooled.type().shape().dim(3);
            if (head.weight().length != head.classes() * c) {
                throw new IllegalArgumentException("transfer head weight has " + head.weight().length
                        + " floats; [" + head.classes() + ", " + c + "] needs " + head.classes() * c);
            }
            Value flat = b.add("flatten", new Reshape(Shape.of(1, c), Layout.ROW_MAJOR), pooled);
            Value feature = b.add("feature", new Dequantize(), flat);
            Value w = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(head.classes(), c),
                    Layout.ROW_MAJOR), TensorData.ofFloat32(head.weight()));
            Value bias = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(head.classes()),
                    Layout.ROW_MAJOR), TensorData.ofFloat32(head.bias()));
            return b.add("logits", new Linear(), feature, w, bias);
        }

        /** Each op's input quantization must equal its producer's output quantization (FORMAT.md §2.1). */
        private void checkChain(ModelJson p, Value in) {
            double xs = p.scale("x_scale");
            int xz = p.zeroPoint("x_zero");
            Quantization q = in.type().requireQuantization(in.name());
            if (xs != q.scale() || xz != q.zeroPoint()) {
                throw p.error("x_scale", "input quantization (" + xs + ", " + xz + ") differs from the producer's output (" + q.scale()
                                + ", " + q.zeroPoint() + ") of %" + in.name());
            }
        }
    }
}
