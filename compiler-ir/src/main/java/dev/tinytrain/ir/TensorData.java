package dev.tinytrain.ir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Immutable constant tensor contents, stored little-endian in row-major order of the owning type's layout. */
public final class TensorData {
    private final DType dtype;
    private final byte[] bytes;

    private TensorData(DType dtype, byte[] bytes) {
        this.dtype = dtype;
        this.bytes = bytes;
    }

    /** Data of the given type from little-endian bytes (copied). */
    public static TensorData ofBytes(DType dtype, byte[] littleEndian) {
        return new TensorData(dtype, littleEndian.clone());
    }

    /** int8 data (copied). */
    public static TensorData ofInt8(byte[] values) {
        return new TensorData(DType.INT8, values.clone());
    }

    /** int32 data. */
    public static TensorData ofInt32(int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new TensorData(DType.INT32, b.array());
    }

    /** float32 data. */
    public static TensorData ofFloat32(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TensorData(DType.FLOAT32, b.array());
    }

    /** Element type. */
    public DType dtype() {
        return dtype;
    }

    /** Size in bytes. */
    public int byteSize() {
        return bytes.length;
    }

    /** A copy of the little-endian bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The values of int8 data. */
    public byte[] toInt8() {
        require(DType.INT8);
        return bytes.clone();
    }

    /** The values of int32 data. */
    public int[] toInt32() {
        require(DType.INT32);
        int[] v = new int[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
        return v;
    }

    /** The values of float32 data. */
    public float[] toFloat32() {
        require(DType.FLOAT32);
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private void require(DType t) {
        if (dtype != t) {
            throw new IllegalStateException("tensor data is " + dtype.irName() + ", not " + t.irName());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData d && d.dtype == dtype && Arrays.equals(d.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * dtype.hashCode() + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "TensorData[" + dtype.irName() + ", " + bytes.length + " bytes]";
    }
}
