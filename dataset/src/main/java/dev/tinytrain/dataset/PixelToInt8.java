package dev.tinytrain.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The table mapping an unsigned 8-bit pixel value {@code k} to the network's int8 input {@code q}.
 *
 * <p>The table is data, not a formula: it is read from a JSON file of the form
 * {@code {"q_for_k": [q0, q1, ..., q255]}} (the project's {@code golden/pixel_to_int8.json}, whose entries
 * are {@code round_half_even(fl32(fl32(fl32(k)/255 - 0.5) / fl32(1/255)))} of the original authors' data path,
 * float32 rounding included). A copy ships in this module as the classpath resource
 * {@value #RESOURCE}, so {@link #bundled()} works without the shared folder.
 *
 * <p>Immutable.
 */
public final class PixelToInt8 {
    /** Classpath location of the bundled copy of {@code pixel_to_int8.json}. */
    public static final String RESOURCE = "/dev/tinytrain/dataset/pixel_to_int8.json";
    /** The JSON key holding the 256 entries. */
    public static final String KEY = "q_for_k";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] q;

    private PixelToInt8(byte[] q) {
        this.q = q;
    }

    /**
     * Builds a table from its 256 entries.
     *
     * @param qForK {@code qForK[k]} is the int8 value for pixel {@code k}; 256 entries in {@code [-128, 127]}
     * @return the table
     * @throws IllegalArgumentException if there are not 256 entries or one is out of range
     */
    public static PixelToInt8 of(int[] qForK) {
        if (qForK.length != 256) {
            throw new IllegalArgumentException("need 256 entries, got " + qForK.length);
        }
        byte[] q = new byte[256];
        for (int k = 0; k < 256; k++) {
            if (qForK[k] < -128 || qForK[k] > 127) {
                throw new IllegalArgumentException("entry " + k + " = " + qForK[k] + " is outside [-128, 127]");
            }
            q[k] = (byte) qForK[k];
        }
        return new PixelToInt8(q);
    }

    /**
     * The table of a model whose int8 input quantizes a real value {@code x} in {@code [low, high]} with
     * {@code scale} and {@code zeroPoint}, pixel {@code k} standing for {@code x = k / d + low} with
     * {@code d = 255 / (high - low)}: {@code q = clamp(round_half_even(fl32(x) / fl32(scale)) + zeroPoint, -128,
     * 127)}, where {@code x = fl32(fl32(k / fl32(d)) + fl32(low))} is evaluated in float32. For {@code [-1, 1]} that
     * is TensorFlow's {@code x / 127.5 - 1} in float32 and TFLite's input quantization, as the converter's
     * representative data and the shared TFLite goldens were made ({@code shared/tflite/README.md}).
     *
     * <p>The protocol's {@link #bundled()} table is the original authors' data path for their own models, whose
     * input scale is {@code 2/255}: it maps the background pixel 0 to -127, not to the -128 of a TFLite model
     * calibrated on {@code x / 127.5 - 1}.
     *
     * @param low       the real value of pixel 0 (finite)
     * @param high      the real value of pixel 255 (finite, greater than {@code low})
     * @param scale     the input's quantization scale (finite, positive)
     * @param zeroPoint the input's zero point, in {@code [-128, 127]}
     * @return the table
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static PixelToInt8 forRange(double low, double high, double scale, int zeroPoint) {
        if (!Double.isFinite(low) || !Double.isFinite(high) || !(high > low)) {
            throw new IllegalArgumentException("the pixel range needs finite low < high, got [" + low + ", " + high
                    + "]");
        }
        if (!Double.isFinite(scale) || !(scale > 0) || !((float) scale > 0)) {
            throw new IllegalArgumentException("the input scale must be finite and positive, got " + scale);
        }
        if (zeroPoint < -128 || zeroPoint > 127) {
            throw new IllegalArgumentException("the input zero point must lie in [-128, 127], got " + zeroPoint);
        }
        float d = (float) (255.0 / (high - low));
        float lo = (float) low;
        float s = (float) scale;
        int[] q = new int[256];
        for (int k = 0; k < 256; k++) {
            float x = k / d + lo;
            double r = Math.rint(x / s) + zeroPoint;
            q[k] = (int) Math.max(-128, Math.min(127, r));
        }
        return of(q);
    }

    /**
     * Loads the table from a JSON file such as {@code shared/golden/pixel_to_int8.json}.
     *
     * @param file the JSON file
     * @return the table
     * @throws DatasetFormatException if the JSON is malformed or {@code q_for_k} is not 256 int8 values
     * @throws IOException            if the file cannot be read
     */
    public static PixelToInt8 load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file);
        }
    }

    /**
     * The copy bundled with this module (identical to {@code shared/golden/pixel_to_int8.json}; a test
     * checks it).
     *
     * @return the table
     * @throws IllegalStateException if the resource is missing or malformed (a packaging error)
     */
    public static PixelToInt8 bundled() {
        return Bundled.TABLE;
    }

    private static final class Bundled {
        static final PixelToInt8 TABLE = loadBundled();

        private static PixelToInt8 loadBundled() {
            try (InputStream in = PixelToInt8.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("classpath resource " + RESOURCE + " is missing");
                }
                return parse(in, null);
            } catch (IOException e) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is unreadable: " + e, e);
            }
        }
    }

    private static PixelToInt8 parse(InputStream in, Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JacksonException e) {
            throw new DatasetFormatException(file, "json", "malformed JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode arr = root == null ? null : root.get(KEY);
        if (arr == null || !arr.isArray()) {
            throw new DatasetFormatException(file, KEY, "missing, or not an array");
        }
        if (arr.size() != 256) {
            throw new DatasetFormatException(file, KEY, "has " + arr.size() + " entries, expected 256");
        }
        int[] v = new int[256];
        for (int k = 0; k < 256; k++) {
            JsonNode e = arr.get(k);
            if (!e.isIntegralNumber() || e.asLong() < -128 || e.asLong() > 127) {
                throw new DatasetFormatException(file, KEY + "[" + k + "]", "expected an integer in [-128, 127], found "
                        + e);
            }
            v[k] = e.asInt();
        }
        return of(v);
    }

    /**
     * @param k pixel value in {@code [0, 255]}
     * @return the int8 value for it
     */
    public byte q(int k) {
        return q[k];
    }

    /** @return the 256 entries as ints ({@code [k] = q(k)}) */
    public int[] table() {
        int[] out = new int[256];
        for (int k = 0; k < 256; k++) {
            out[k] = q[k];
        }
        return out;
    }

    /**
     * Maps every unsigned pixel of {@code u8} through the table.
     *
     * @param u8 unsigned pixels
     * @return int8 values, same length
     */
    public byte[] apply(byte[] u8) {
        byte[] out = new byte[u8.length];
        for (int i = 0; i < u8.length; i++) {
            out[i] = q[u8[i] & 0xFF];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelToInt8 other && Arrays.equals(q, other.q);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(q);
    }

    @Override
    public String toString() {
        return "PixelToInt8[q(0)=" + q[0] + ", q(128)=" + q[128] + ", q(255)=" + q[255] + "]";
    }
}
