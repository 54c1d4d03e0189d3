package dev.tinytrain.backend.jvm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Specification of {@link ArenaAccess}: little-endian 32-bit words and LSB-first mask bits. */
class ArenaAccessTest {

    @Test
    @DisplayName("float32 is stored little-endian at a byte offset")
    void floatLittleEndian() {
        byte[] arena = new byte[12];
        ArenaAccess.putFloat(arena, 4, 1.0f); // 0x3F800000
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0x00, 0x00, (byte) 0x80, 0x3F, 0, 0, 0, 0}, arena);
        assertEquals(1.0f, ArenaAccess.getFloat(arena, 4));
        ArenaAccess.putFloat(arena, 8, -0.0f);
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(ArenaAccess.getFloat(arena, 8)));
    }

    @Test
    @DisplayName("getFloats copies consecutive little-endian float32 words, bit patterns included")
    void floatsInBulk() {
        byte[] arena = new byte[18];
        float nan = Float.intBitsToFloat(0x7FC0_1234);
        float[] values = {1.0f, -0.0f, nan, Float.MIN_VALUE};
        for (int i = 0; i < values.length; i++) {
            ArenaAccess.putFloat(arena, 2 + 4 * i, values[i]);
        }
        float[] read = ArenaAccess.getFloats(arena, 2, values.length);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(read[i]), "element " + i);
        }
    }

    @Test
    @DisplayName("int32 is stored little-endian at a byte offset")
    void intLittleEndian() {
        byte[] arena = new byte[8];
        ArenaAccess.putInt(arena, 4, 0x01020304);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 4, 3, 2, 1}, arena);
        assertEquals(0x01020304, ArenaAccess.getInt(arena, 4));
        ArenaAccess.putInt(arena, 0, -2);
        assertEquals(-2, ArenaAccess.getInt(arena, 0));
    }

    @Test
    @DisplayName("mask element i is bit (i & 7) of byte maskOff + (i >> 3), LSB first")
    void maskBits() {
        byte[] arena = {(byte) 0xAA, 0b0000_0101, 0};
        // byte 1 holds elements 8..15: bit 0 (element 8) and bit 2 (element 10) are set
        assertTrue(ArenaAccess.getMaskBit(arena, 1, 0));
        assertFalse(ArenaAccess.getMaskBit(arena, 1, 1));
        assertTrue(ArenaAccess.getMaskBit(arena, 1, 2));
        assertFalse(ArenaAccess.getMaskBit(arena, 0, 0)); // 0xAA = 1010_1010: element 0 clear, 1 set
        assertTrue(ArenaAccess.getMaskBit(arena, 0, 7));
        assertTrue(ArenaAccess.getMaskBit(arena, 0, 8));
        assertEquals(0, ArenaAccess.maskBytes(0));
        assertEquals(1, ArenaAccess.maskBytes(8));
        assertEquals(2, ArenaAccess.maskBytes(9));
    }
}
