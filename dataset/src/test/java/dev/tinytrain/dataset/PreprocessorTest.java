package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreprocessorTest {

    private static byte[] u8(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    @Test
    void halfPixelUpsampleByTwoMatchesHandComputedPyTorchValues() {
        // F.interpolate(x, size=(4, 4), mode='bilinear', align_corners=False) on [[0, 64], [128, 255]]:
        // source coords per axis 0 (clamped from -0.25), 0.25, 0.75, 1.25 -> index 1 only (edge clamp)
        byte[] out = Preprocessor.resize(u8(0, 64, 128, 255), 2, 2, 1, 4, 4);
        assertArrayEquals(new int[] {
            0, 16, 48, 64,
            32, 52, 92, 112,
            96, 124, 179, 207,
            128, 160, 223, 255}, unsigned(out));
    }

    @Test
    void roundsHalfToEven() {
        // 1x2 -> 1x1: source x = 2 * 0.5 - 0.5 = 0.5, the mean of the two pixels
        assertEquals(2, Preprocessor.resize(u8(2, 3), 1, 2, 1, 1, 1)[0] & 0xFF, "2.5 -> 2");
        assertEquals(4, Preprocessor.resize(u8(3, 4), 1, 2, 1, 1, 1)[0] & 0xFF, "3.5 -> 4");
        assertEquals(0, Preprocessor.resize(u8(0, 1), 1, 2, 1, 1, 1)[0] & 0xFF, "0.5 -> 0");
        assertEquals(254, Preprocessor.resize(u8(253, 255), 1, 2, 1, 1, 1)[0] & 0xFF, "254 exact");
        assertEquals(0, Preprocessor.roundClamp(-3.7f));
        assertEquals(255, Preprocessor.roundClamp(300f));
        assertEquals(0, Preprocessor.roundClamp(Float.NaN));
        assertEquals(254, Preprocessor.roundClamp(254.5f));
        assertEquals(255, Preprocessor.roundClamp(254.51f));
    }

    @Test
    void sameSizeIsIdentity() {
        byte[] img = TestData.pixels(28 * 28 * 3, 3);
        assertArrayEquals(img, Preprocessor.resize(img, 28, 28, 3, 28, 28));
    }

    /** Reference: the textbook half-pixel formula in double precision, pixel by pixel. */
    private static double reference(byte[] img, int rows, int cols, int ch, int outR, int outC, int y, int x,
            int c) {
        double sy = Math.max(0, (y + 0.5) * rows / outR - 0.5);
        double sx = Math.max(0, (x + 0.5) * cols / outC - 0.5);
        int y0 = (int) Math.floor(sy);
        int x0 = (int) Math.floor(sx);
        int y1 = Math.min(y0 + 1, rows - 1);
        int x1 = Math.min(x0 + 1, cols - 1);
        double ly = sy - y0;
        double lx = sx - x0;
        double p00 = img[(y0 * cols + x0) * ch + c] & 0xFF;
        double p01 = img[(y0 * cols + x1) * ch + c] & 0xFF;
        double p10 = img[(y1 * cols + x0) * ch + c] & 0xFF;
        double p11 = img[(y1 * cols + x1) * ch + c] & 0xFF;
        return (1 - ly) * ((1 - lx) * p00 + lx * p01) + ly * ((1 - lx) * p10 + lx * p11);
    }

    @ParameterizedTest
    @CsvSource({"28,28,1,128,128", "5,7,1,3,2", "7,5,3,13,11", "1,1,1,4,4", "1,6,1,1,3", "32,32,3,17,17",
        "3,9,2,9,3", "28,28,1,224,224"})
    void anySizeMatchesTheFormula(int rows, int cols, int ch, int outR, int outC) {
        byte[] img = TestData.pixels(rows * cols * ch, rows * 1000 + outR);
        byte[] out = Preprocessor.resize(img, rows, cols, ch, outR, outC);
        assertEquals(outR * outC * ch, out.length);
        boolean exact = outR == 128 && rows == 28;  // weights are multiples of 1/64: float32 is exact
        for (int y = 0; y < outR; y++) {
            for (int x = 0; x < outC; x++) {
                for (int c = 0; c < ch; c++) {
                    double ref = reference(img, rows, cols, ch, outR, outC, y, x, c);
                    int got = out[(y * outC + x) * ch + c] & 0xFF;
                    if (exact) {
                        assertEquals((int) Math.rint(ref), got, "y=" + y + " x=" + x + " c=" + c);
                    } else {
                        // float32 vs double: only a value within a hair of .5 may round the other way
                        assertTrue(Math.abs(got - ref) <= 0.5 + 1e-3, "y=" + y + " x=" + x + " c=" + c + " ref="
                                + ref + " got=" + got);
                    }
                }
            }
        }
    }

    @Test
    void greyIsReplicatedAndQuantisedInNhwcOrder() {
        Preprocessor pre = new Preprocessor(4, PixelToInt8.bundled());
        byte[] img = u8(0, 64, 128, 255);
        byte[] resized = Preprocessor.resize(img, 2, 2, 1, 4, 4);
        byte[] q = pre.preprocess(img, 2, 2, 1, false);
        assertEquals(4 * 4 * 3, q.length);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(PixelToInt8.bundled().q(resized[y * 4 + x] & 0xFF), q[(y * 4 + x) * 3 + c]);
                }
            }
        }
        assertEquals(-127, q[0]);
        assertEquals(127, q[(3 * 4 + 3) * 3 + 2]);
    }

    @Test
    void threeChannelInputKeepsItsChannels() {
        Preprocessor pre = new Preprocessor(5, PixelToInt8.bundled());
        byte[] img = new byte[3 * 3 * 3];
        for (int p = 0; p < 9; p++) {
            img[p * 3] = 10;
            img[p * 3 + 1] = (byte) 128;
            img[p * 3 + 2] = (byte) 250;
        }
        byte[] q = pre.preprocess(img, 3, 3, 3, false);
        PixelToInt8 t = PixelToInt8.bundled();
        for (int p = 0; p < 25; p++) {
            assertEquals(t.q(10), q[p * 3]);
            assertEquals(t.q(128), q[p * 3 + 1]);
            assertEquals(t.q(250), q[p * 3 + 2]);
        }
        assertThrows(IllegalArgumentException.class, () -> pre.preprocess(new byte[8], 2, 2, 2, false));
        assertThrows(IllegalArgumentException.class, () -> pre.preprocess(new byte[5], 2, 2, 1, false));
    }

    @Test
    void horizontalFlipMirrorsColumns() {
        Preprocessor pre = Preprocessor.protocol();
        byte[] img = TestData.pixels(28 * 28, 42);
        byte[] a = pre.preprocess(img, 28, 28, 1, false);
        byte[] b = pre.preprocess(img, 28, 28, 1, true);
        int r = pre.size();
        for (int y = 0; y < r; y++) {
            for (int x = 0; x < r; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(a[(y * r + (r - 1 - x)) * 3 + c], b[(y * r + x) * 3 + c]);
                }
            }
        }
        // the half-pixel rule is symmetric: flipping the input gives the same result here (exact weights)
        byte[] mirrored = new byte[img.length];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                mirrored[y * 28 + x] = img[y * 28 + 27 - x];
            }
        }
        assertArrayEquals(b, pre.preprocess(mirrored, 28, 28, 1, false));
    }

    @Test
    void datasetOverloadAndIntoVariant() {
        byte[] px = TestData.pixels(3 * 28 * 28, 9);
        ImageDataset ds = ImageDataset.of(28, 28, 1, px, new int[] {1, 2, 3});
        Preprocessor pre = Preprocessor.protocol();
        assertEquals(128 * 128 * 3, pre.outputSize());
        byte[] direct = pre.preprocess(ds.image(2), 28, 28, 1, false);
        assertArrayEquals(direct, pre.preprocess(ds, 2, false));
        byte[] buf = new byte[pre.outputSize() + 10];
        pre.preprocessInto(ds.image(2), 28, 28, 1, false, buf, 10);
        assertArrayEquals(direct, java.util.Arrays.copyOfRange(buf, 10, buf.length));
    }

    @Test
    void protocolOutputIsDeterministicAcrossInstances() {
        SplittableRandom rnd = new SplittableRandom(5);
        byte[] img = new byte[28 * 28];
        rnd.nextBytes(img);
        assertArrayEquals(Preprocessor.protocol().preprocess(img, 28, 28, 1, false),
                new Preprocessor(128, PixelToInt8.bundled()).preprocess(img, 28, 28, 1, false));
    }
}
