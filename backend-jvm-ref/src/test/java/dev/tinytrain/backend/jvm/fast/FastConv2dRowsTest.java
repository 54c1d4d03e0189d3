package dev.tinytrain.backend.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.band.BandLayer;
import dev.tinytrain.ir.band.BandProgram;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FastConv2d#runRows} on a row window (a band region's step) gives, for every output row of the window,
 * the bytes the reference kernel gives on the whole tensor: random convs (k 1/3/5/7, stride 1/2, random padding,
 * dense, first-conv-like, pointwise, depthwise), random output bands, and input buffers holding any row range that
 * covers the band's windows; and {@link FastConv2d#runCenteredRows} on the same windows of centered float rows gives
 * those bytes minus the output zero point.
 */
class FastConv2dRowsTest {

    /**
     * A random band of output rows {@code [y0, y1)} of conv case {@code c}, with its input rows held in a buffer
     * {@code [begin, end)} that covers at least what the band reads, and the window the band program would give.
     */
    private record Band(int y0, int y1, int begin, int end, BandProgram.Window window) {
        /** A random band, or null for a band entirely in the padding (no band program asks for one). */
        static Band random(Random r, FastConv2dTest.Case c, BandLayer layer) {
            int y0 = r.nextInt(c.outH());
            int y1 = y0 + 1 + r.nextInt(c.outH() - y0);
            int lo = Math.max(0, layer.firstInputRow(y0));
            int hi = layer.inputRowsEnd(y1, c.inH());
            if (hi <= lo) {
                return null;
            }
            int begin = r.nextInt(lo + 1);
            int end = hi + r.nextInt(c.inH() - hi + 1);
            return new Band(y0, y1, begin, end, BandProgram.convWindow(layer, 0, y0, y1, begin, end, c.inH()));
        }
    }

    @Test
    void rowWindowsMatchTheWholeTensorReference() {
        Random r = new Random(15);
        int checked = 0;
        for (String kind : new String[] {"pointwise", "depthwise", "dense"}) {
            for (int t = 0; t < 400; t++) {
                FastConv2dTest.Case c = FastConv2dTest.randomCase(r, kind);
                byte[] whole = new byte[c.inLen() + c.outLen()];
                r.nextBytes(whole);
                byte[] input = Arrays.copyOf(whole, c.inLen());
                c.reference(whole, 0, c.inLen(), -1);
                byte[] expected = Arrays.copyOfRange(whole, c.inLen(), whole.length);
                FastConv2d fast = c.fast(r.nextBoolean());
                BandLayer layer = BandLayer.conv(0, c.k(), c.stride(), c.padTop(), c.outH(), c.outW() * c.outC());
                for (int band = 0; band < 3; band++) {
                    Band b = Band.random(r, c, layer);
                    if (b == null) {
                        continue;
                    }
                    int y0 = b.y0(), y1 = b.y1(), begin = b.begin(), end = b.end();
                    BandProgram.Window w = b.window();
                    int rowIn = c.inW() * c.inC();
                    int rowOut = c.outW() * c.outC();
                    int inOff = r.nextInt(5);
                    int outOff = inOff + (end - begin) * rowIn + r.nextInt(5);
                    byte[] arena = new byte[outOff + (y1 - y0) * rowOut + 2];
                    r.nextBytes(arena);
                    System.arraycopy(input, begin * rowIn, arena, inOff, (end - begin) * rowIn);
                    fast.runRows(arena, inOff + w.rowOffset() * rowIn, w.rows(), w.padTop(), outOff, y1 - y0);
                    assertArrayEquals(Arrays.copyOfRange(expected, y0 * rowOut, y1 * rowOut),
                            Arrays.copyOfRange(arena, outOff, outOff + (y1 - y0) * rowOut),
                            kind + " #" + t + " rows [" + y0 + ", " + y1 + ") from buffer [" + begin + ", " + end
                                    + ") " + c);
                    checked++;
                }
            }
        }
        assertTrue(checked > 2000, "windows checked: " + checked);
    }

    @Test
    void centeredRowWindowsMatchTheWholeTensorReference() {
        Random r = new Random(16);
        int checked = 0;
        Scratch shared = new Scratch();
        for (String kind : new String[] {"pointwise", "depthwise", "dense"}) {
            for (int t = 0; t < 400; t++) {
                FastConv2dTest.Case c = FastConv2dTest.randomCase(r, kind);
                FastConv2d fast = c.fast(true, shared);
                if (!fast.runsCenteredRows()) {
                    continue; // a NaN-prone constant, a grouped conv or a long sum: the band region's byte path
                }
                byte[] whole = new byte[c.inLen() + c.outLen()];
                r.nextBytes(whole);
                c.reference(whole, 0, c.inLen(), -1);
                BandLayer layer = BandLayer.conv(0, c.k(), c.stride(), c.padTop(), c.outH(), c.outW() * c.outC());
                int rowIn = c.inW() * c.inC();
                int rowOut = c.outW() * c.outC();
                for (int band = 0; band < 3; band++) {
                    Band b = Band.random(r, c, layer);
                    if (b == null) {
                        continue;
                    }
                    int y0 = b.y0(), y1 = b.y1(), begin = b.begin(), end = b.end();
                    BandProgram.Window w = b.window();
                    int inRow0 = r.nextInt(3);
                    float[][] in = new float[inRow0 + end - begin + r.nextInt(3)][rowIn];
                    for (int y = begin; y < end; y++) {
                        for (int k = 0; k < rowIn; k++) {
                            in[inRow0 + y - begin][k] = whole[y * rowIn + k] - c.xZero();
                        }
                    }
                    int outRow0 = r.nextInt(3);
                    float[][] out = new float[outRow0 + y1 - y0 + r.nextInt(2)][rowOut];
                    for (float[] row : out) {
                        Arrays.fill(row, Float.NaN); // every value of the band's rows must be written
                    }
                    fast.runCenteredRows(in, inRow0 + w.rowOffset(), w.rows(), w.padTop(), out, outRow0, y1 - y0);
                    byte[] got = new byte[(y1 - y0) * rowOut];
                    for (int y = 0; y < y1 - y0; y++) {
                        for (int k = 0; k < rowOut; k++) {
                            float v = out[outRow0 + y][k];
                            assertTrue(v == Math.rint(v) && v >= -128 - c.yZero() && v <= 127 - c.yZero(),
                                    "centered output " + v);
                            got[y * rowOut + k] = (byte) ((int) v + c.yZero());
                        }
                    }
                    assertArrayEquals(Arrays.copyOfRange(whole, c.inLen() + y0 * rowOut, c.inLen() + y1 * rowOut),
                            got, kind + " #" + t + " rows [" + y0 + ", " + y1 + ") " + c);
                    checked++;
                }
            }
        }
        assertTrue(checked > 1500, "windows checked: " + checked);
    }

    @Test
    void onlyFixedWeightsAndNaNFreeConstantsRunOnCenteredRows() {
        Random r = new Random(4);
        FastConv2dTest.Case c = FastConv2dTest.randomCase(r, "pointwise");
        Arrays.fill(c.bias(), 1f);
        Arrays.fill(c.eff(), 0.01f);
        assertTrue(c.fast(true).runsCenteredRows());
        assertFalse(c.fast(false).runsCenteredRows(), "a trained layer's weights change between runs");
        c.eff()[0] = Float.POSITIVE_INFINITY; // (sum + bias) * inf is NaN for a zero sum plus bias
        assertFalse(c.fast(true).runsCenteredRows());
        c.eff()[0] = 0.01f;
        c.bias()[0] = Float.NaN;
        assertFalse(c.fast(true).runsCenteredRows());
        FastConv2d byteOnly = c.fast(true);
        assertThrows(IllegalStateException.class,
                () -> byteOnly.runCenteredRows(new float[1][1], 0, 1, 0, new float[1][1], 0, 1));
    }

    @Test
    void aWindowLargerThanTheLayerIsRefused() {
        FastConv2dTest.Case c = FastConv2dTest.randomCase(new Random(3), "depthwise");
        FastConv2d fast = c.fast(true);
        assertThrows(IllegalArgumentException.class, () -> fast.runRows(new byte[1 << 16], 0, c.inH() + 1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> fast.runRows(new byte[1 << 16], 0, 1, c.padTop() + 1, 0, 1));
    }
}
