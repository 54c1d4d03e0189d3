package dev.tinytrain.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.common.hash.Hashing;
import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.fileio.IoReasons;
import dev.tinytrain.ir.json.StrictJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code tinytrain-golden/1} file pair ({@code X.json} index + {@code X.bin} data), see
 * {@code ../shared/golden/README.md} §1.1. The bin file's size and sha256 are checked on load.
 */
public final class GoldenFile {
    /** The value of the {@code format} field. */
    public static final String FORMAT = "tinytrain-golden/1";

    private final Path jsonFile;
    private final JsonNode header;
    private final Map<String, GoldenTensor> tensors;

    private GoldenFile(Path jsonFile, JsonNode header, Map<String, GoldenTensor> tensors) {
        this.jsonFile = jsonFile;
        this.header = header;
        this.tensors = tensors;
    }

    /**
     * Reads a golden.
     *
     * @throws GoldenFormatException naming the file and field at fault
     */
    public static GoldenFile read(Path jsonFile) {
        JsonNode root;
        try {
            root = StrictJson.mapper().readTree(InputFiles.readAllBytes(jsonFile, InputFiles.TEXT_LIMIT));
        } catch (FileAccessException e) {
            throw new GoldenFormatException(e.getMessage());
        } catch (JsonProcessingException e) {
            throw new GoldenFormatException(jsonFile + ": not valid JSON: " + StrictJson.describe(e));
        } catch (IOException e) {
            throw new GoldenFormatException(IoReasons.describe("read", jsonFile, e));
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new GoldenFormatException(jsonFile + ": field 'format' must be \"" + FORMAT + "\"");
        }
        JsonNode bin = root.path("bin");
        if (!bin.path("file").isTextual()) {
            throw new GoldenFormatException(jsonFile + ": field 'bin.file' is missing");
        }
        Path binFile = jsonFile.resolveSibling(bin.get("file").asText());
        byte[] data;
        long declared = bin.path("nbytes").asLong(-1);
        try {
            long size = InputFiles.requireRegular(binFile);
            if (size != declared) {
                throw new GoldenFormatException(binFile + ": has " + size + " bytes, bin.nbytes says "
                        + bin.path("nbytes"));
            }
            data = InputFiles.readAllBytes(binFile, declared);
        } catch (FileAccessException e) {
            throw new GoldenFormatException(e.getMessage());
        }
        if (data.length != declared) {
            throw new GoldenFormatException(binFile + ": has " + data.length + " bytes, bin.nbytes says "
                    + bin.path("nbytes"));
        }
        String sha = Hashing.sha256().hashBytes(data).toString();
        if (!sha.equals(bin.path("sha256").asText())) {
            throw new GoldenFormatException(binFile + ": sha256 " + sha + " differs from bin.sha256");
        }
        Map<String, GoldenTensor> tensors = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode t : root.path("tensors")) {
            String where = jsonFile + ": tensors[" + i++ + "]";
            String name = t.path("name").asText(null);
            String dtype = t.path("dtype").asText(null);
            if (name == null || dtype == null || !t.path("shape").isArray()) {
                throw new GoldenFormatException(where + " needs name, dtype and shape");
            }
            List<Integer> shape = new ArrayList<>();
            for (JsonNode d : t.get("shape")) {
                if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                    throw new GoldenFormatException(where + " (" + name + "): shape must hold integers in [0, "
                            + Integer.MAX_VALUE + "], got " + t.get("shape"));
                }
                shape.add(d.intValue());
            }
            long off = t.path("offset").asLong(-1);
            long n = t.path("nbytes").asLong(-1);
            int item = switch (dtype) {
                case "int8" -> 1;
                case "int32", "float32" -> 4;
                default -> throw new GoldenFormatException(where + " (" + name + "): unknown dtype " + dtype);
            };
            long count = 1;
            for (int d : shape) {
                count = count > Integer.MAX_VALUE ? count : count * d; // saturates: no product of ints overflows
            }
            if (off < 0 || n < 0 || count > Integer.MAX_VALUE || n != count * item || off > data.length - n) {
                throw new GoldenFormatException(where + " (" + name + "): offset/nbytes do not fit the shape and the"
                        + " bin file");
            }
            tensors.put(name, new GoldenTensor(name, dtype, shape,
                    java.util.Arrays.copyOfRange(data, (int) off, (int) (off + n))));
        }
        return new GoldenFile(jsonFile, root, tensors);
    }

    /** The JSON file. */
    public Path jsonFile() {
        return jsonFile;
    }

    /** {@code forward} or {@code train_step}. */
    public String kind() {
        return header.path("kind").asText();
    }

    /** The model name, e.g. {@code mcunet-5fps}. */
    public String model() {
        return header.path("model").asText();
    }

    /** The header (every field but the tensors), for kind-specific fields. */
    public JsonNode header() {
        return header;
    }

    /** The model folder named by {@code model_files}, relative to the golden's folder. */
    public Optional<Path> modelFolder() {
        JsonNode mf = header.get("model_files");
        if (mf == null || !mf.isTextual()) {
            return Optional.empty();
        }
        Path p = jsonFile.toAbsolutePath().getParent().resolve(mf.asText()).normalize();
        return Optional.of(p.getFileName().toString().equals("model.json") ? p.getParent() : p);
    }

    /** Stored tensors by name, in file order. */
    public Map<String, GoldenTensor> tensors() {
        return tensors;
    }

    /** The stored tensor {@code name}. */
    public GoldenTensor tensor(String name) {
        GoldenTensor t = tensors.get(name);
        if (t == null) {
            throw new GoldenFormatException(jsonFile + ": has no tensor '" + name + "'");
        }
        return t;
    }
}
