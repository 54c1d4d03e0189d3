package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PixelToInt8Test {
    @TempDir
    Path tmp;

    @Test
    void bundledCopyEqualsSharedGolden() throws Exception {
        Path golden = TestData.sharedDir().resolve("golden/pixel_to_int8.json");
        assertArrayEquals(Files.readAllBytes(golden), TestData.resource(PixelToInt8.RESOURCE),
                "the classpath copy " + PixelToInt8.RESOURCE + " must be byte-identical to " + golden);
        assertEquals(PixelToInt8.load(golden), PixelToInt8.bundled());
    }

    @Test
    void tableIsTheDocumentedFloat32Formula() {
        // q = round_half_even(fl32(fl32(fl32(k)/255 - 0.5) / fl32(1/255)))
        PixelToInt8 t = PixelToInt8.bundled();
        float inv = 1f / 255f;
        for (int k = 0; k < 256; k++) {
            float a = (float) k / 255f;
            float b = a - 0.5f;
            float c = b / inv;
            assertEquals((int) Math.rint(c), t.q(k), "k=" + k);
        }
        assertEquals(-127, t.q(0));
        assertEquals(127, t.q(255));
        assertEquals(-96, t.q(31));
        assertEquals(-96, t.q(32), "float32 rounding makes 31 and 32 collide");
    }

    @Test
    void aRangeIsQuantizedWithTheInputsOwnScaleAndZeroPoint() {
        // mcunet-5fps-int8.tflite: x = k / 127.5 - 1 in float32, scale 0.00784293469041586, zero point 0
        PixelToInt8 t = PixelToInt8.forRange(-1, 1, 0.00784293469041586, 0);
        float s = (float) 0.00784293469041586;
        for (int k = 0; k < 256; k++) {
            float x = k / 127.5f - 1f;
            assertEquals((int) Math.max(-128, Math.min(127, Math.rint(x / s))), t.q(k), "k=" + k);
        }
        assertEquals(-128, t.q(0), "the background is -1.0, the converter's -128");
        assertEquals(-1, t.q(127));
        assertEquals(1, t.q(128));
        assertEquals(127, t.q(255), "128.004 saturates");
        assertEquals(-127, PixelToInt8.bundled().q(0), "the authors' table maps the background elsewhere");
        // a [0, 1] input with scale 1/255 and zero point -128 is k - 128
        PixelToInt8 unit = PixelToInt8.forRange(0, 1, 1 / 255.0, -128);
        for (int k = 0; k < 256; k++) {
            assertEquals(k - 128, unit.q(k), "k=" + k);
        }
        // the zero point shifts, saturating at -128
        assertEquals(-128, PixelToInt8.forRange(-1, 1, 0.00784293469041586, -1).q(0));
        assertEquals(127, PixelToInt8.forRange(-1, 1, 0.00784293469041586, -1).q(255), "128.004 - 1");
        assertEquals(126, PixelToInt8.forRange(-1, 1, 0.00784293469041586, -1).q(254), "126.504 - 1");
    }

    @Test
    void aRangeRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> PixelToInt8.forRange(1, 1, 0.01, 0));
        assertThrows(IllegalArgumentException.class, () -> PixelToInt8.forRange(0, Double.NaN, 0.01, 0));
        assertThrows(IllegalArgumentException.class, () -> PixelToInt8.forRange(0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> PixelToInt8.forRange(0, 1, 1e-300, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PixelToInt8.forRange(0, 1, 0.01, 128));
        assertTrue(e.getMessage().contains("zero point"), e.getMessage());
    }

    @Test
    void applyMapsUnsignedBytes() {
        PixelToInt8 t = PixelToInt8.bundled();
        byte[] q = t.apply(new byte[] {0, (byte) 128, (byte) 255});
        assertArrayEquals(new byte[] {t.q(0), t.q(128), t.q(255)}, q);
        assertEquals(256, t.table().length);
    }

    @Test
    void malformedTablesNameTheField() throws Exception {
        Path short1 = Files.writeString(tmp.resolve("short.json"), "{\"q_for_k\": [1, 2, 3]}");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> PixelToInt8.load(short1));
        assertEquals("q_for_k", e.field());
        assertTrue(e.getMessage().contains("3 entries"), e.getMessage());

        StringBuilder sb = new StringBuilder("{\"q_for_k\": [");
        for (int k = 0; k < 256; k++) {
            sb.append(k == 0 ? "" : ",").append(k == 7 ? "300" : "0");
        }
        Path big = Files.writeString(tmp.resolve("big.json"), sb.append("]}").toString());
        e = assertThrows(DatasetFormatException.class, () -> PixelToInt8.load(big));
        assertEquals("q_for_k[7]", e.field());

        Path none = Files.writeString(tmp.resolve("none.json"), "{\"other\": 1}");
        assertEquals("q_for_k", assertThrows(DatasetFormatException.class, () -> PixelToInt8.load(none)).field());
        Path junk = Files.writeString(tmp.resolve("junk.json"), "{not json");
        assertEquals("json", assertThrows(DatasetFormatException.class, () -> PixelToInt8.load(junk)).field());
    }
}
