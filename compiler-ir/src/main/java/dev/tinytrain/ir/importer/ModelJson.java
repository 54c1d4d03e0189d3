package dev.tinytrain.ir.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Set;

/**
 * Typed access to one object of {@code model.json} with the JSON path kept for error messages, and resolution
 * of array references into {@code weights.bin}.
 */
final class ModelJson {
    private static final Set<String> ARRAY_REF_KEYS = ImmutableSet.of("dtype", "shape", "offset", "nbytes");

    private final Path file;
    private final JsonNode node;
    private final String path;
    private final ByteBuffer weights;

    ModelJson(Path file, JsonNode node, String path, ByteBuffer weights) {
        this.file = file;
        this.node = node;
        this.path = path;
        this.weights = weights;
    }

    String path() {
        return path;
    }

    ModelFormatException error(String field, String message) {
        return new ModelFormatException(file, field == null ? path : child(field), message);
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private JsonNode required(String key) {
        JsonNode n = node.get(key);
        if (n == null) {
            throw error(key, "missing key");
        }
        return n;
    }

    boolean isNull(String key) {
        return required(key).isNull();
    }

    ModelJson object(String key) {
        JsonNode n = required(key);
        if (!n.isObject()) {
            throw error(key, "must be an object, got " + n.getNodeType());
        }
        return new ModelJson(file, n, child(key), weights);
    }

    int arraySize(String key) {
        JsonNode n = required(key);
        if (!n.isArray()) {
            throw error(key, "must be an array");
        }
        return n.size();
    }

    ModelJson element(String key, int i) {
        JsonNode n = required(key).get(i);
        String p = child(key) + "[" + i + "]";
        if (n == null || !n.isObject()) {
            throw new ModelFormatException(file, p, "must be an object");
        }
        return new ModelJson(file, n, p, weights);
    }

    /** Refuses a key outside {@code allowed}, naming it (a misspelt key would otherwise be ignored). */
    void requireKeys(Set<String> allowed) {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw error(k, "unknown key (allowed here: " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    /** The JSON text of a value, for messages. */
    String raw(String key) {
        return required(key).toString();
    }

    /** An integer within {@code [min, max]}. */
    int integer(String key, int min, int max) {
        JsonNode n = required(key);
        if (!n.isIntegralNumber()) {
            throw error(key, "must be an integer, got " + n);
        }
        if (!n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            throw error(key, "must lie in [" + min + ", " + max + "], got " + n);
        }
        return n.intValue();
    }

    int integer(String key) {
        JsonNode n = required(key);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw error(key, "must be an integer, got " + n);
        }
        return n.intValue();
    }

    double float64(String key) {
        JsonNode n = required(key);
        if (!n.isNumber()) {
            throw error(key, "must be a number, got " + n);
        }
        return n.doubleValue();
    }

    /**
     * A scale: finite and {@code > 0} in float64, and a finite, normal float32 when rounded, since the backends
     * compute in float32 (5e-324 or 1e308 would become 0 or infinity there).
     */
    double scale(String key) {
        double s = float64(key);
        if (!(s > 0) || Double.isInfinite(s)) {
            throw error(key, "scale must be finite and > 0, got " + s);
        }
        if (!Float.isFinite((float) s) || (float) s < Float.MIN_NORMAL) {
            throw error(key, "scale " + s + " is not a normal float32 (it would be " + (float) s + " in the"
                    + " float32 arithmetic of the backends); scales lie in [" + Float.MIN_NORMAL + ", "
                    + Float.MAX_VALUE + "]");
        }
        return s;
    }

    /** A zero point within int8. */
    int zeroPoint(String key) {
        int z = integer(key);
        if (z < -128 || z > 127) {
            throw error(key, "zero point " + z + " is outside int8 [-128, 127]");
        }
        return z;
    }

    int[] intPair(String key) {
        JsonNode n = required(key);
        if (!n.isArray() || n.size() != 2 || !n.get(0).isIntegralNumber() || !n.get(1).isIntegralNumber()
                || !n.get(0).canConvertToInt() || !n.get(1).canConvertToInt()) {
            throw error(key, "must be a 2-element integer array, got " + n);
        }
        return new int[] {n.get(0).intValue(), n.get(1).intValue()};
    }

    boolean bool(String key) {
        JsonNode n = required(key);
        if (!n.isBoolean()) {
            throw error(key, "must be a boolean, got " + n);
        }
        return n.booleanValue();
    }

    /** Resolves an array reference, checking dtype, shape, size and bounds. */
    ByteBuffer array(String key, String dtype, int... expectedShape) {
        JsonNode ref = required(key);
        String p = child(key);
        if (!ref.isObject()) {
            throw error(key, "must be an array reference object");
        }
        Set<String> keys = ImmutableSet.copyOf(ref.fieldNames());
        if (!keys.equals(ARRAY_REF_KEYS)) {
            throw error(key, "an array reference has exactly the keys " + ARRAY_REF_KEYS + ", got " + keys);
        }
        ModelJson r = new ModelJson(file, ref, p, weights);
        String dt = ref.get("dtype").asText();
        int item = switch (dt) {
            case "int8" -> 1;
            case "int32", "float32" -> 4;
            case "float64" -> 8;
            default -> throw r.error("dtype", "unknown dtype '" + dt + "'");
        };
        if (!dt.equals(dtype)) {
            throw r.error("dtype", "must be " + dtype + ", got " + dt);
        }
        JsonNode shape = ref.get("shape");
        if (!shape.isArray()) {
            throw r.error("shape", "must be an array");
        }
        long count = 1;
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw r.error("shape", "must hold integers in [0, " + Integer.MAX_VALUE + "], got " + shape);
            }
            dims[i] = d.intValue();
        }
        if (!java.util.Arrays.equals(dims, expectedShape)) {
            throw r.error("shape", "expected " + java.util.Arrays.toString(expectedShape) + ", got "
                    + java.util.Arrays.toString(dims));
        }
        for (int d : dims) {
            count = Math.multiplyExact(count, (long) d); // the expected dims are bounded: no overflow in long
        }
        long offset = r.longValue("offset");
        long nbytes = r.longValue("nbytes");
        if (nbytes != count * item) {
            throw r.error("nbytes", nbytes + " does not equal product(shape) * itemsize = " + count * item);
        }
        if (offset % 16 != 0) {
            throw r.error("offset", offset + " is not a multiple of 16");
        }
        if (offset < 0 || nbytes > weights.capacity() || offset > weights.capacity() - nbytes) {
            throw r.error("offset", "array [" + offset + ", " + (offset + nbytes) + ") lies outside weights.bin ("
                    + weights.capacity() + " bytes)");
        }
        ByteBuffer slice = weights.duplicate().position((int) offset).limit((int) (offset + nbytes)).slice();
        return slice.order(ByteOrder.LITTLE_ENDIAN);
    }

    private long longValue(String key) {
        JsonNode n = required(key);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw error(key, "must be an integer, got " + n);
        }
        return n.longValue();
    }

    boolean keysContain(String key) {
        return node.has(key);
    }
}
