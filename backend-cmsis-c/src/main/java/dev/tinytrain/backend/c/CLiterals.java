package dev.tinytrain.backend.c;

import java.util.Locale;

/** C99 literals that reproduce Java values exactly. */
final class CLiterals {
    private CLiterals() {
    }

    /**
     * A float32 literal with exactly the value (and sign) of {@code v}: C99 hexadecimal floating constants, e.g.
     * {@code 0x1.99999ap-4f}. Never {@code INFINITY} or {@code NAN}: every float that reaches the emitter (scales,
     * effective scales, QAS divisors, head values) is checked finite before the passes run, so a non-finite one
     * here is a bug in tinytrain, not bad input, and must not become C that compiles.
     *
     * @throws IllegalStateException for an infinity or a NaN
     */
    static String f32(float v) {
        if (!Float.isFinite(v)) {
            throw new IllegalStateException("the C emitter was given the non-finite float " + v
                    + "; the compiler's checks should have refused the model before (a tinytrain bug)");
        }
        if (v == 0.0f) {
            return (Float.floatToRawIntBits(v) < 0) ? "(-0.0f)" : "0.0f";
        }
        // Float.toHexString gives the exact value, e.g. 0x1.0p-3 or 0x0.00002p-126 for subnormals
        String h = Float.toHexString(v);
        return v < 0 ? "(" + h + "f)" : h + "f";
    }

    /** An int32 literal; INT32_MIN is written as an expression (its magnitude does not fit a C int literal). */
    static String i32(int v) {
        return v == Integer.MIN_VALUE ? "(-2147483647 - 1)" : Integer.toString(v);
    }

    /** A uint32 literal. */
    static String u32(int v) {
        return Integer.toUnsignedString(v) + "u";
    }

    /** A C string literal (ASCII; other characters escaped). */
    static String string(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                sb.append('\\').append(ch);
            } else if (ch >= 32 && ch < 127) {
                sb.append(ch);
            } else {
                sb.append(String.format(Locale.ROOT, "\\%03o", (int) ch & 0xff));
            }
        }
        return sb.append('"').toString();
    }

    /** A comment-safe version of {@code s} (no comment terminators). */
    static String comment(String s) {
        return s.replace("*/", "* /").replace("/*", "/ *");
    }
}
