package dev.tinytrain.ir;

/** Element types of tensors in the IR. */
public enum DType {
    /** Signed 8-bit integer (activations, weights). */
    INT8(8),
    /** Signed 32-bit integer (biases, labels). */
    INT32(32),
    /** IEEE-754 binary32 (gradients, the transfer head). */
    FLOAT32(32),
    /** One bit per element (clamp masks kept for backward), packed LSB first. */
    BIT(1);

    private final int bits;

    DType(int bits) {
        this.bits = bits;
    }

    /** Bits per element. */
    public int bits() {
        return bits;
    }

    /** Bytes needed to store {@code elements} elements of this type (bit tensors round up). */
    public long byteSize(long elements) {
        return (elements * bits + 7) / 8;
    }

    /** Lower-case name used in printed IR and JSON ({@code int8}, {@code float32}, ...). */
    public String irName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@link #irName()}. */
    public static DType fromIrName(String name) {
        for (DType t : values()) {
            if (t.irName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "' (expected int8, int32, float32 or bit)");
    }
}
