package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.IrParseException;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes op attributes in JSON. Every failure is an {@link IrParseException} naming the attribute.
 * Public so that the IR's JSON reader and writer share the quantization encoding.
 */
public final class Attr {
    private Attr() {
    }

    /** A required integer attribute. */
    public static int integer(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IrParseException("attribute '" + name + "' must be an integer, got " + n);
        }
        return n.intValue();
    }

    /** An optional boolean attribute. */
    public static boolean bool(JsonNode a, String name, boolean dflt) {
        JsonNode n = a.get(name);
        if (n == null) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new IrParseException("attribute '" + name + "' must be a boolean, got " + n);
        }
        return n.booleanValue();
    }

    /** A required number read as float32 (written from a float, so exact). */
    public static float float32(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isNumber()) {
            throw new IrParseException("attribute '" + name + "' must be a number, got " + n);
        }
        return n.floatValue();
    }

    /** A required number read as float64. */
    public static double float64(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isNumber()) {
            throw new IrParseException("attribute '" + name + "' must be a number, got " + n);
        }
        return n.doubleValue();
    }

    /** A required list of float32 numbers. */
    public static List<Float> floatList(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isArray()) {
            throw new IrParseException("attribute '" + name + "' must be an array of numbers, got " + n);
        }
        List<Float> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isNumber()) {
                throw new IrParseException("attribute '" + name + "' has a non-number element " + e);
            }
            out.add(e.floatValue());
        }
        return out;
    }

    /** A required object attribute. */
    public static JsonNode object(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isObject()) {
            throw new IrParseException("attribute '" + name + "' must be an object, got " + n);
        }
        return n;
    }

    /** A required text attribute. */
    public static String text(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isTextual()) {
            throw new IrParseException("attribute '" + name + "' must be a string, got " + n);
        }
        return n.textValue();
    }

    /** A required list of integers; {@code size} -1 accepts any length. */
    public static List<Integer> intList(JsonNode a, String name, int size) {
        JsonNode n = a.get(name);
        if (n == null || !n.isArray() || (size >= 0 && n.size() != size)) {
            throw new IrParseException("attribute '" + name + "' must be an array of "
                    + (size >= 0 ? size + " " : "") + "integers, got " + n);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw new IrParseException("attribute '" + name + "' has a non-integer element " + e);
            }
            out.add(e.intValue());
        }
        return out;
    }

    /** A required layout attribute. */
    public static Layout layout(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isTextual()) {
            throw new IrParseException("attribute '" + name + "' must be a layout name, got " + n);
        }
        try {
            return Layout.fromIrName(n.textValue());
        } catch (IllegalArgumentException e) {
            throw new IrParseException("attribute '" + name + "': " + e.getMessage());
        }
    }

    /** A required quantization object {@code {scales:[..], zero_points:[..], axis:n}}. */
    public static Quantization quantization(JsonNode a, String name) {
        JsonNode n = a.get(name);
        if (n == null || !n.isObject()) {
            throw new IrParseException("attribute '" + name + "' must be a quantization object, got " + n);
        }
        return readQuantization(n, name);
    }

    /** Reads a quantization object; {@code where} names it in errors. */
    public static Quantization readQuantization(JsonNode n, String where) {
        JsonNode scales = n.get("scales");
        if (scales == null || !scales.isArray()) {
            throw new IrParseException(where + ".scales must be an array of numbers");
        }
        List<Double> s = new ArrayList<>();
        for (JsonNode e : scales) {
            if (!e.isNumber()) {
                throw new IrParseException(where + ".scales has a non-number " + e);
            }
            s.add(e.doubleValue());
        }
        List<Integer> z = intList(n, "zero_points", -1);
        int axis = n.has("axis") ? integer(n, "axis") : -1;
        try {
            return new Quantization(s, z, axis);
        } catch (dev.tinytrain.ir.InvalidQuantizationException e) {
            throw new IrParseException(where + ": " + e.getMessage(), e);
        }
    }

    /** The attribute that holds an op's (single) output quantization. */
    static final String OUTPUT = "out";

    /** The required output quantization attribute {@value #OUTPUT}. */
    static Quantization output(JsonNode a) {
        return quantization(a, OUTPUT);
    }

    /** Writes the output quantization attribute {@value #OUTPUT}. */
    static void writeOutput(ObjectNode out, Quantization q) {
        writeQuantization(out.putObject(OUTPUT), q);
    }

    /** Writes a quantization object. */
    public static void writeQuantization(ObjectNode out, Quantization q) {
        q.scales().forEach(out.putArray("scales")::add);
        ArrayNodes.ints(out.putArray("zero_points"), q.zeroPoints());
        out.put("axis", q.axis());
    }
}
