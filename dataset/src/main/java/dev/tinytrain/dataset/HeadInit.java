package dev.tinytrain.dataset;

import dev.tinytrain.fileio.InputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Initial values of the classifier head {@code Linear(C, K)} of the protocol ({@code head-init/<model>.bin}):
 * {@code W [K, C]} row-major, then {@code b [K]}, all float32 little-endian, K = 10 for Fashion-MNIST.
 *
 * <p>The JSON beside each {@code .bin} names the tensors ({@code head.weight}, {@code head.bias}) with
 * {@code dtype}, {@code shape} and byte {@code offset}, and repeats the first weights and the bias as a check;
 * {@link #read(Path)} verifies all of it.
 *
 * <p>Immutable: arrays are copied on construction and by the accessors.
 *
 * @param model      model name ({@code "mcunet-5fps"}, ...), or the file name when unknown
 * @param numClasses K, rows of W
 * @param inChannels C, columns of W
 * @param weight     W, {@code K * C} values, row-major ({@code weight[k * C + c]})
 * @param bias       b, {@code K} values
 */
public record HeadInit(String model, int numClasses, int inChannels, float[] weight, float[] bias) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Validates shapes and copies the arrays.
     *
     * @throws IllegalArgumentException if the array lengths do not match K and C
     * @param model see the record component
     * @param numClasses see the record component
     * @param inChannels see the record component
     * @param weight see the record component
     * @param bias see the record component
     */
    public HeadInit {
        Objects.requireNonNull(model, "model");
        if (numClasses < 1 || inChannels < 1 || weight.length != (long) numClasses * inChannels
                || bias.length != numClasses) {
            throw new IllegalArgumentException("head init shapes: K=" + numClasses + " C=" + inChannels
                    + " weight.length=" + weight.length + " bias.length=" + bias.length);
        }
        weight = weight.clone();
        bias = bias.clone();
    }

    /** @return a copy of W, row-major {@code [K][C]} */
    @Override
    public float[] weight() {
        return weight.clone();
    }

    /** @return a copy of b */
    @Override
    public float[] bias() {
        return bias.clone();
    }

    /**
     * @param k class (row)
     * @param c input channel (column)
     * @return {@code W[k][c]}
     */
    public float weight(int k, int c) {
        Objects.checkIndex(k, numClasses);
        Objects.checkIndex(c, inChannels);
        return weight[k * inChannels + c];
    }

    /**
     * @param k class
     * @return {@code b[k]}
     */
    public float bias(int k) {
        return bias[k];
    }

    /**
     * Reads {@code <model>.bin} and the {@code <model>.json} beside it.
     *
     * @param bin the binary file
     * @return the head
     * @throws DatasetFormatException if the JSON is malformed or disagrees with the binary (the message names
     *                                the JSON field), or the binary has the wrong length
     * @throws IOException            if a file cannot be read
     */
    public static HeadInit read(Path bin) throws IOException {
        String name = bin.getFileName().toString();
        String stem = name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name;
        return read(bin, bin.resolveSibling(stem + ".json"));
    }

    /**
     * Reads a head binary described by the given JSON.
     *
     * @param bin  the binary file
     * @param json its description
     * @return the head
     * @throws DatasetFormatException if the JSON is malformed or disagrees with the binary
     * @throws IOException            if a file cannot be read
     */
    public static HeadInit read(Path bin, Path json) throws IOException {
        JsonNode root;
        try (InputStream in = InputFiles.open(json)) {
            root = JSON.readTree(in);
        } catch (JacksonException e) {
            throw new DatasetFormatException(json, "json", "malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new DatasetFormatException(json, "json", "expected a JSON object");
        }
        JsonNode w = tensor(json, root, "head.weight");
        JsonNode b = tensor(json, root, "head.bias");
        int[] ws = shape(json, w, "head.weight", 2);
        int[] bs = shape(json, b, "head.bias", 1);
        if (bs[0] != ws[0]) {
            throw new DatasetFormatException(json, "head.bias.shape", "[" + bs[0] + "] but head.weight has "
                    + ws[0] + " rows");
        }
        String model = root.hasNonNull("model") ? root.get("model").asText() : bin.getFileName().toString();
        HeadInit head = readRaw(bin, model, ws[0], ws[1], offset(json, w, "head.weight"),
                offset(json, b, "head.bias"));
        JsonNode first = root.get("first_weights");
        if (first != null && first.isArray()) {
            for (int i = 0; i < first.size() && i < head.weight.length; i++) {
                if ((float) first.get(i).asDouble() != head.weight[i]) {
                    throw new DatasetFormatException(json, "first_weights[" + i + "]", first.get(i) + " but " + bin
                            + " has " + head.weight[i] + " (wrong file or byte order?)");
                }
            }
        }
        JsonNode bias = root.get("bias");
        if (bias != null && bias.isArray()) {
            if (bias.size() != head.numClasses) {
                throw new DatasetFormatException(json, "bias", bias.size() + " values, expected " + head.numClasses);
            }
            for (int i = 0; i < bias.size(); i++) {
                if ((float) bias.get(i).asDouble() != head.bias[i]) {
                    throw new DatasetFormatException(json, "bias[" + i + "]", bias.get(i) + " but " + bin + " has "
                            + head.bias[i]);
                }
            }
        }
        return head;
    }

    /**
     * Reads a head binary without a JSON: {@code W [K, C]} at offset 0 then {@code b [K]}, float32 LE, and
     * nothing else.
     *
     * @param bin        the binary file
     * @param numClasses K
     * @param inChannels C
     * @return the head (model = file name)
     * @throws DatasetFormatException if the file is not exactly {@code 4 * (K*C + K)} bytes
     * @throws IOException            if it cannot be read
     */
    public static HeadInit readRaw(Path bin, int numClasses, int inChannels) throws IOException {
        return readRaw(bin, bin.getFileName().toString(), numClasses, inChannels, 0, 4L * numClasses * inChannels);
    }

    private static HeadInit readRaw(Path bin, String model, int k, int c, long wOff, long bOff) throws IOException {
        long wBytes = 4L * k * c;
        long bBytes = 4L * k;
        long expected = Math.max(wOff + wBytes, bOff + bBytes);
        long size = InputFiles.requireRegular(bin); // the size against the layout before reading anything
        byte[] bytes = size == expected ? InputFiles.readAllBytes(bin, expected) : new byte[0];
        if (size != expected || wOff % 4 != 0 || bOff % 4 != 0
                || (wOff < bOff + bBytes && bOff < wOff + wBytes)) {
            throw new DatasetFormatException(bin, "length", size + " bytes; expected " + expected
                    + " for W [" + k + ", " + c + "] at offset " + wOff + " and b [" + k + "] at offset " + bOff
                    + " (float32)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] w = new float[k * c];
        float[] b = new float[k];
        buf.position((int) wOff);
        buf.asFloatBuffer().get(w);
        buf.position((int) bOff);
        buf.asFloatBuffer().get(b);
        return new HeadInit(model, k, c, w, b);
    }

    private static JsonNode tensor(Path json, JsonNode root, String name) throws DatasetFormatException {
        JsonNode tensors = root.get("tensors");
        if (tensors == null || !tensors.isArray()) {
            throw new DatasetFormatException(json, "tensors", "missing, or not an array");
        }
        for (JsonNode t : tensors) {
            if (name.equals(t.path("name").asText(null))) {
                String dtype = t.path("dtype").asText("");
                if (!dtype.equals("float32")) {
                    throw new DatasetFormatException(json, name + ".dtype", "expected float32, found '" + dtype + "'");
                }
                return t;
            }
        }
        throw new DatasetFormatException(json, "tensors", "no tensor named '" + name + "'");
    }

    private static int[] shape(Path json, JsonNode t, String name, int rank) throws DatasetFormatException {
        JsonNode s = t.get("shape");
        if (s == null || !s.isArray() || s.size() != rank) {
            throw new DatasetFormatException(json, name + ".shape", "expected " + rank + " dimensions, found " + s);
        }
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            if (!s.get(i).canConvertToInt() || s.get(i).asInt() < 1) {
                throw new DatasetFormatException(json, name + ".shape", "bad dimension " + s.get(i));
            }
            out[i] = s.get(i).asInt();
        }
        return out;
    }

    private static long offset(Path json, JsonNode t, String name) throws DatasetFormatException {
        JsonNode o = t.get("offset");
        if (o == null || !o.canConvertToLong() || o.asLong() < 0) {
            throw new DatasetFormatException(json, name + ".offset", "missing or not a non-negative integer");
        }
        return o.asLong();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadInit other && model.equals(other.model) && numClasses == other.numClasses
                && inChannels == other.inChannels && Arrays.equals(weight, other.weight)
                && Arrays.equals(bias, other.bias);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, numClasses, inChannels, Arrays.hashCode(weight), Arrays.hashCode(bias));
    }

    @Override
    public String toString() {
        return "HeadInit[model=" + model + ", K=" + numClasses + ", C=" + inChannels + "]";
    }
}
