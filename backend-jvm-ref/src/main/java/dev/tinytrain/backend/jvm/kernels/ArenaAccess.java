package dev.tinytrain.backend.jvm.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian access to 32-bit values stored in the {@code byte[]} arena, and to the bits of a clamp mask.
 *
 * <p>The arena holds int8 tensors as plain bytes and float32 / int32 tensors as little-endian 4-byte words at a
 * byte offset (4-aligned by the memory plan's convention). Kernels read and write those words only through this
 * class, so the byte order is defined in one place.
 *
 * <p>Clamp masks ({@code BIT} tensors) store element {@code i} as bit {@code (i & 7)} of byte
 * {@code maskOff + (i >> 3)}, least significant bit first.
 *
 * <p>These helpers do no argument checking beyond what the JVM does (an out-of-range offset throws
 * {@link IndexOutOfBoundsException}); kernels validate their whole ranges once, up front.
 */
public final class ArenaAccess {

    private static final VarHandle FLOAT_LE =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private ArenaAccess() {
    }

    /**
     * Reads the little-endian float32 stored at {@code arena[byteOff .. byteOff+3]}.
     *
     * @param arena   the arena
     * @param byteOff byte offset of the value
     * @return the float value (bit pattern preserved, including NaN payloads)
     */
    public static float getFloat(byte[] arena, int byteOff) {
        return (float) FLOAT_LE.get(arena, byteOff);
    }

    /**
     * Copies {@code n} consecutive little-endian float32 values starting at {@code byteOff} (bit patterns
     * preserved), for kernels of this package that read a tensor many times. Package-private: it is a JVM-side
     * convenience, not one of the accessors the C runtime mirrors (C reads the words in place).
     *
     * @param arena   the arena
     * @param byteOff byte offset of the first value
     * @param n       number of values
     * @return the values
     */
    static float[] getFloats(byte[] arena, int byteOff, int n) {
        float[] out = new float[n];
        ByteBuffer.wrap(arena, byteOff, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /**
     * Writes {@code value} as a little-endian float32 to {@code arena[byteOff .. byteOff+3]}.
     *
     * @param arena   the arena
     * @param byteOff byte offset of the value
     * @param value   the value to store
     */
    public static void putFloat(byte[] arena, int byteOff, float value) {
        FLOAT_LE.set(arena, byteOff, value);
    }

    /**
     * Reads the little-endian int32 stored at {@code arena[byteOff .. byteOff+3]}.
     *
     * @param arena   the arena
     * @param byteOff byte offset of the value
     * @return the int value
     */
    public static int getInt(byte[] arena, int byteOff) {
        return (int) INT_LE.get(arena, byteOff);
    }

    /**
     * Writes {@code value} as a little-endian int32 to {@code arena[byteOff .. byteOff+3]}.
     *
     * @param arena   the arena
     * @param byteOff byte offset of the value
     * @param value   the value to store
     */
    public static void putInt(byte[] arena, int byteOff, int value) {
        INT_LE.set(arena, byteOff, value);
    }

    /**
     * Reads bit {@code index} of the clamp mask at {@code maskOff}: bit {@code (index & 7)} of byte
     * {@code maskOff + (index >> 3)}.
     *
     * @param arena   the arena
     * @param maskOff byte offset of the mask
     * @param index   element index (the same NHWC index as the masked tensor)
     * @return {@code true} iff the bit is 1 (the gradient passes the clamp)
     */
    public static boolean getMaskBit(byte[] arena, int maskOff, int index) {
        return ((arena[maskOff + (index >> 3)] >> (index & 7)) & 1) != 0;
    }

    /**
     * Number of bytes a clamp mask of {@code count} elements occupies: {@code ceil(count / 8)}.
     *
     * @param count number of masked elements (&gt;= 0)
     * @return the mask size in bytes
     */
    public static int maskBytes(int count) {
        return (int) (((long) count + 7) >>> 3);
    }
}
