package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The lead is checked against a simulation of the depthwise kernels' access order (outputs in NHWC order, each
 * element's taps read before it is written): with the minimum lead no read finds a clobbered input, with one
 * byte less some read does.
 */
class DepthwiseInPlaceTest {

    /** A depthwise geometry; bottom/right padding is implied by the output size. */
    private record Geom(int inH, int inW, int c, int kH, int kW, int stride, int padTop, int padLeft, int outH,
                        int outW) {
        long lead() {
            return DepthwiseInPlace.minimumLead(inH, inW, c, kH, kW, stride, padTop, padLeft, outH, outW);
        }
    }

    /**
     * Runs the kernel's access order with the output {@code lead} elements before the input and reports whether
     * every read found its input element intact.
     */
    private static boolean readsIntact(Geom g, long lead) {
        long inLen = (long) g.inH * g.inW * g.c;
        boolean[] clobbered = new boolean[(int) inLen];
        long e = 0;
        for (int oy = 0; oy < g.outH; oy++) {
            for (int ox = 0; ox < g.outW; ox++) {
                for (int ch = 0; ch < g.c; ch++, e++) {
                    for (int i = 0; i < g.kH; i++) {
                        for (int j = 0; j < g.kW; j++) {
                            int iy = oy * g.stride - g.padTop + i;
                            int ix = ox * g.stride - g.padLeft + j;
                            if (iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW
                                    && clobbered[(iy * g.inW + ix) * g.c + ch]) {
                                return false;
                            }
                        }
                    }
                    long r = e - lead; // the input element under output element e
                    if (r >= 0 && r < inLen) {
                        clobbered[(int) r] = true;
                    }
                }
            }
        }
        return true;
    }

    private static Geom same(int h, int w, int c, int k, int stride) {
        int p = (k - 1) / 2;
        return new Geom(h, w, c, k, k, stride, p, p, (h + 2 * p - k) / stride + 1, (w + 2 * p - k) / stride + 1);
    }

    @Test
    void strideTwoThreeByThreeSamePaddingNeedsNoLead() {
        Geom g = same(64, 64, 48, 3, 2); // MobileNetV2-w0.35 block 1 at 128x128
        assertEquals(0, g.lead());
        assertTrue(readsIntact(g, 0));
    }

    @Test
    void strideOneNeedsAboutPaddingRows() {
        for (int k : new int[] {3, 5, 7}) {
            int p = (k - 1) / 2;
            Geom g = same(10, 9, 6, k, 1);
            assertEquals((long) (p * 9 + p) * 6, g.lead(), "k " + k);
            assertTrue(readsIntact(g, g.lead()));
            assertTrue(!readsIntact(g, g.lead() - 1), "k " + k + ": one byte less must clobber a read");
        }
    }

    @Test
    void minimumLeadIsSafeAndMinimalOnRandomGeometries() {
        Random r = new Random(20261207);
        for (int n = 0; n < 600; n++) {
            int kH = 1 + r.nextInt(7);
            int kW = r.nextInt(4) == 0 ? 1 + r.nextInt(7) : kH;
            int stride = 1 + r.nextInt(3);
            int inH = 1 + r.nextInt(12);
            int inW = 1 + r.nextInt(12);
            int c = 1 + r.nextInt(5);
            int padTop = r.nextInt(kH + 1);
            int padLeft = r.nextInt(kW + 1);
            int outH = 1 + r.nextInt((inH + padTop + kH) / stride + 1);
            int outW = 1 + r.nextInt((inW + padLeft + kW) / stride + 1);
            Geom g = new Geom(inH, inW, c, kH, kW, stride, padTop, padLeft, outH, outW);
            long lead = g.lead();
            assertTrue(lead >= 0, g.toString());
            assertTrue(readsIntact(g, lead), "lead " + lead + " clobbers a read: " + g);
            if (lead > 0) {
                assertTrue(!readsIntact(g, lead - 1), "lead " + lead + " is not minimal: " + g);
            }
        }
    }

    @Test
    void rejectsBadGeometryNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DepthwiseInPlace.minimumLead(4, 4, 0, 3, 3, 1, 1, 1, 4, 4));
        assertTrue(e.getMessage().contains("in 4x4x0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DepthwiseInPlace.minimumLead(4, 4, 2, 3, 3, 1, -1, 1, 4, 4));
    }
}
