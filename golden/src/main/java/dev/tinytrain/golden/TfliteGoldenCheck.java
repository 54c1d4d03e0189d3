package dev.tinytrain.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.json.StrictJson;
import dev.tinytrain.ir.importer.ImportedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks an imported {@code .tflite} model against a {@code tinytrain-tflite-golden/1} file (the activations of
 * TensorFlow Lite's reference kernels, {@code ../shared/tflite/README.md}): feeds the recorded input and compares
 * every recorded operator output, bit for bit, with the value tapped under its TFLite tensor index.
 */
public final class TfliteGoldenCheck {
    /** The golden format this check reads. */
    public static final String FORMAT = "tinytrain-tflite-golden/1";

    private TfliteGoldenCheck() {
    }

    /** True when {@code jsonFile} declares {@link #FORMAT} (false for other or unreadable files). */
    public static boolean isTfliteGolden(Path jsonFile) {
        try {
            return FORMAT.equals(new ObjectMapper().readTree(InputFiles.readAllBytes(jsonFile, InputFiles.TEXT_LIMIT))
                    .path("format").asText());
        } catch (IOException | FileAccessException e) {
            return false;
        }
    }

    /**
     * Runs the check.
     *
     * @return one comparison per recorded operator output, in execution order
     * @throws GoldenFormatException naming the file and field at fault
     */
    public static List<TensorComparison> run(Path jsonFile, ImportedModel model, GoldenBackend backend) {
        JsonNode root;
        try {
            root = StrictJson.mapper().readTree(InputFiles.readAllBytes(jsonFile, InputFiles.TEXT_LIMIT));
        } catch (IOException | FileAccessException e) {
            throw new GoldenFormatException(jsonFile + ": cannot read golden JSON: " + e.getMessage());
        }
        if (!FORMAT.equals(root.path("format").asText())) {
            throw new GoldenFormatException(jsonFile + ": field 'format' must be \"" + FORMAT + "\"");
        }
        if (!model.weightsSha256().equals(root.path("model_sha256").asText())) {
            throw new GoldenFormatException(jsonFile + ": model_sha256 " + root.path("model_sha256").asText()
                    + " is not the sha256 of the model given (" + model.weightsSha256() + ")");
        }
        Path binFile = jsonFile.resolveSibling(root.path("bin").path("file").asText());
        byte[] data;
        try {
            // a regular file no larger than the recorded size: never a pipe, never an unbounded read
            data = InputFiles.readAllBytes(binFile, root.path("bin").path("nbytes").asLong(Integer.MAX_VALUE));
        } catch (FileAccessException e) {
            throw new GoldenFormatException(e.getMessage());
        }
        if (!Hashing.sha256().hashBytes(data).toString().equals(root.path("bin").path("sha256").asText())) {
            throw new GoldenFormatException(binFile + ": sha256 differs from bin.sha256");
        }
        List<GoldenTensor> recorded = new ArrayList<>();
        byte[] input = null;
        int i = 0;
        for (JsonNode t : root.path("tensors")) {
            String where = jsonFile + ": tensors[" + i++ + "]";
            if (!"int8".equals(t.path("dtype").asText())) {
                throw new GoldenFormatException(where + ": dtype " + t.path("dtype").asText() + " (only int8 here)");
            }
            List<Integer> shape = new ArrayList<>();
            t.path("shape").forEach(d -> shape.add(d.intValue()));
            long off = t.path("offset").asLong(-1);
            long n = t.path("nbytes").asLong(-1);
            long count = shape.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
            if (off < 0 || n != count || off + n > data.length) {
                throw new GoldenFormatException(where + ": offset/nbytes do not fit the shape and the bin file");
            }
            byte[] bytes = java.util.Arrays.copyOfRange(data, (int) off, (int) (off + n));
            GoldenTensor g = new GoldenTensor(t.path("index").asText() + " " + t.path("op").asText(), "int8", shape,
                    bytes);
            if (t.path("op_index").asInt() < 0) {
                input = bytes;
            } else {
                recorded.add(g);
            }
        }
        if (input == null) {
            throw new GoldenFormatException(jsonFile + ": no tensor with op_index -1 (the model input)");
        }
        Map<String, Value> taps = new LinkedHashMap<>();
        for (GoldenTensor g : recorded) {
            Value v = model.taps().get(index(g));
            if (v != null) {
                taps.put(g.name(), v);
            }
        }
        Map<String, byte[]> got = backend.forward(model.graph(), input, taps);
        List<TensorComparison> out = new ArrayList<>();
        for (GoldenTensor g : recorded) {
            out.add(taps.containsKey(g.name()) ? TensorComparison.exactInt8(g, g.int8(), got.get(g.name()))
                    : TensorComparison.notProduced(g));
        }
        return out;
    }

    private static String index(GoldenTensor g) {
        return g.name().substring(0, g.name().indexOf(' '));
    }
}
