package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeadInitTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"mbv2-w0.35,112", "mcunet-5fps,160", "proxyless-w0.3,96"})
    void readsTheProtocolHeads(String model, int channels) throws Exception {
        Path bin = TestData.protocolDir().resolve("head-init/" + model + ".bin");
        HeadInit h = HeadInit.read(bin);
        assertEquals(model, h.model());
        assertEquals(10, h.numClasses());
        assertEquals(channels, h.inChannels());
        assertEquals(10 * channels, h.weight().length);
        assertEquals(10, h.bias().length);
        float bound = (float) (1 / Math.sqrt(channels));
        for (float w : h.weight()) {
            assertTrue(Math.abs(w) <= bound, "U(-1/sqrt(C), 1/sqrt(C))");
        }
        HeadInit raw = HeadInit.readRaw(bin, 10, channels);
        assertArrayEquals(h.weight(), raw.weight());
        assertArrayEquals(h.bias(), raw.bias());
    }

    private Path writeHead(String name, float[] w, float[] b) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(4 * (w.length + b.length)).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(w).put(b);
        return TestData.write(tmp, name + ".bin", buf.array());
    }

    private static String json(int k, int c, String firstWeights, String bias) {
        return "{\"model\":\"m\",\"tensors\":[{\"name\":\"head.weight\",\"dtype\":\"float32\",\"shape\":[" + k + "," + c
                + "],\"offset\":0},{\"name\":\"head.bias\",\"dtype\":\"float32\",\"shape\":[" + k + "],\"offset\":"
                + (4 * k * c) + "}],\"first_weights\":" + firstWeights + ",\"bias\":" + bias + "}";
    }

    @Test
    void syntheticHeadAndItsChecks() throws Exception {
        float[] w = {0.5f, -1.25f, 3f, 0.1f, 0.2f, 0.3f};
        float[] b = {7f, -8f};
        Path bin = writeHead("m", w, b);
        Files.writeString(tmp.resolve("m.json"), json(2, 3, "[0.5, -1.25]", "[7.0, -8.0]"));
        HeadInit h = HeadInit.read(bin);
        assertArrayEquals(w, h.weight());
        assertArrayEquals(b, h.bias());
        assertEquals(-1.25f, h.weight(0, 1));
        assertEquals(0.3f, h.weight(1, 2));
        assertEquals(-8f, h.bias(1));

        Files.writeString(tmp.resolve("m.json"), json(2, 3, "[0.5, -1.5]", "[7.0, -8.0]"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> HeadInit.read(bin));
        assertEquals("first_weights[1]", e.field());

        Files.writeString(tmp.resolve("m.json"), json(2, 3, "[0.5]", "[7.0, -9.0]"));
        assertEquals("bias[1]", assertThrows(DatasetFormatException.class, () -> HeadInit.read(bin)).field());

        Files.writeString(tmp.resolve("m.json"), json(2, 4, "[]", "[7.0, -8.0]"));
        e = assertThrows(DatasetFormatException.class, () -> HeadInit.read(bin));
        assertEquals("length", e.field());
        assertTrue(e.getMessage().contains(bin.toString()), e.getMessage());

        Files.writeString(tmp.resolve("m.json"), json(2, 3, "[]", "[]").replace("float32", "float16"));
        assertEquals("head.weight.dtype", assertThrows(DatasetFormatException.class, () -> HeadInit.read(bin)).field());

        assertEquals("length", assertThrows(DatasetFormatException.class,
                () -> HeadInit.readRaw(bin, 10, 3)).field());
    }
}
