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
