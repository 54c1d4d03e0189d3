package dev.tinytrain.golden;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * One stored tensor of a golden: name, dtype ({@code int8}, {@code int32}, {@code float32}), shape as stored
 * (NCHW for activations, OIHW for conv weights) and its little-endian bytes.
 */
public record GoldenTensor(String name, String dtype, List<Integer> shape, byte[] data) {

    /** Number of elements. */
    public int count() {
        return shape.stream().reduce(1, (a, b) -> a * b);
    }

    /** int8 values as stored. */
    public byte[] int8() {
        require("int8");
        return data.clone();
    }

    /** float32 values as stored. */
    public float[] float32() {
        require("float32");
        float[] f = new float[count()];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /** int32 values as stored. */
    public int[] int32() {
        require("int32");
        int[] v = new int[count()];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
        return v;
    }

    /**
     * An int8 {@code [1,C,H,W]} activation converted once to NHWC ({@code [1,H,W,C]}) order, the IR's layout;
     * tensors of another rank are returned as stored.
     */
    public byte[] int8Nhwc() {
        byte[] v = int8();
        if (shape.size() != 4) {
            return v;
        }
        int c = shape.get(1);
        int h = shape.get(2);
        int w = shape.get(3);
        byte[] out = new byte[v.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(y * w + x) * c + ch] = v[(ch * h + y) * w + x];
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + dtype + shape;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GoldenTensor t && t.name.equals(name) && t.dtype.equals(dtype) && t.shape.equals(shape)
                && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    private void require(String t) {
        if (!dtype.equals(t)) {
            throw new GoldenFormatException("golden tensor '" + name + "' is " + dtype + ", but " + t + " is expected"
                    + " for it");
        }
    }
}
