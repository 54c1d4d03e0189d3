package dev.tinytrain.ir.band;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The band program on random prefix geometries: {@link BandProgram#verify()} (every row computed once and before it
 * is read, never read after its line buffer dropped it, no buffer overflow) passes on every generated program and
 * fails on every corrupted one.
 */
class BandProgramTest {

    /** A random chain of inverted-residual blocks after a first conv, with random paddings. */
    static List<BandLayer> randomPrefix(Random r, int inH, int[] heightOut) {
        List<BandLayer> layers = new ArrayList<>();
        int h = inH;
        int k0 = 1 + 2 * r.nextInt(4); // 1, 3, 5, 7
        h = addConv(r, layers, 0, k0, 1 + r.nextInt(2), h, false);
        int blocks = 1 + r.nextInt(4);
        for (int b = 0; b < blocks; b++) {
            int in = layers.size();
            int hIn = h;
            h = addConv(r, layers, in, 1, 1, h, true);
            int k = 3 + 2 * r.nextInt(3);
            int stride = 1 + r.nextInt(2);
            h = addConv(r, layers, layers.size(), k, stride, h, r.nextInt(4) == 0);
            h = addConv(r, layers, layers.size(), 1, 1, h, true);
            if (h == hIn && in > 0 && r.nextBoolean()) {
                layers.add(BandLayer.elementwise(List.of(in, layers.size()), h, 8));
            }
        }
        heightOut[0] = h;
        return layers;
    }

    private static int addConv(Random r, List<BandLayer> layers, int input, int k, int stride, int inH,
                               boolean same) {
        int padTop = same ? (k - 1) / 2 : r.nextInt(k);
        int padBottom = same ? (k - 1) / 2 : r.nextInt(k);
        int outH = Math.max(1, (inH + padTop + padBottom - k) / stride + 1);
        while (outH > 1 && (outH - 1) * stride - padTop >= inH) {
            outH--;
        }
        layers.add(BandLayer.conv(input, k, stride, padTop, outH, 1 + r.nextInt(64)));
        return outH;
    }

    @Test
    void randomPrefixesGiveVerifiedProgramsWithoutRecomputation() {
        Random r = new Random(15);
        for (int trial = 0; trial < 400; trial++) {
            int inH = 4 + r.nextInt(60);
            int[] outH = new int[1];
            List<BandLayer> layers = randomPrefix(r, inH, outH);
            int band = 1 + r.nextInt(outH[0]);
            BandProgram p = BandProgram.of(layers, inH, 3 * (1 + r.nextInt(64)), band, 4);
            int[] computed = new int[layers.size()];
            for (BandProgram.Step s : p.steps()) {
                if (s instanceof BandProgram.Compute c) {
                    computed[c.layer()] += c.y1() - c.y0();
                }
            }
            for (int i = 0; i < layers.size(); i++) {
                assertTrue(computed[i] <= layers.get(i).outHeight(), "layer " + i + " recomputes rows");
            }
            assertEquals(layers.get(layers.size() - 1).outHeight(), computed[layers.size() - 1]);
            for (int t = 1; t < layers.size(); t++) {
                assertTrue(p.capacityRows()[t] >= 1 && p.capacityRows()[t] <= layers.get(t - 1).outHeight());
                assertEquals(0, p.bufferOffsets()[t] % 4);
            }
        }
    }

    /**
     * Random inverted-residual chains whose depthwise convs may write over their inputs (random leads, output rows
     * no wider than input rows): every program verifies byte by byte, none needs more workspace than without
     * in-place layers, most take some, and moving an in-place output row closer to its input than its lead, or over
     * a row a later step reads, fails verification.
     */
    @Test
    void depthwiseLayersWriteOverTheirInputsDyingRows() {
        Random r = new Random(1515);
        int taken = 0;
        int caught = 0;
        for (int trial = 0; trial < 300; trial++) {
            int inH = 6 + r.nextInt(50);
            List<BandLayer> inPlace = new ArrayList<>();
            List<BandLayer> plain = new ArrayList<>();
            int h = inH;
            int blocks = 1 + r.nextInt(3);
            int rowIn = 4 * (1 + r.nextInt(16));
            for (int b = 0; b < blocks; b++) {
                int k = 3 + 2 * r.nextInt(3);
                int stride = 1 + r.nextInt(2);
                int pad = (k - 1) / 2;
                int outH = Math.max(1, (h + 2 * pad - k) / stride + 1);
                int rowExp = 4 * (1 + r.nextInt(32));
                int rowDw = stride == 1 ? rowExp : Math.max(1, rowExp / 2);
                int lead = r.nextInt(rowDw + 1);
                for (List<BandLayer> l : List.of(inPlace, plain)) {
                    l.add(BandLayer.conv(l.size(), 1, 1, 0, h, rowExp));
                    l.add(l == inPlace ? BandLayer.depthwise(l.size(), k, stride, pad, outH, rowDw, lead)
                            : BandLayer.conv(l.size(), k, stride, pad, outH, rowDw));
                    l.add(BandLayer.conv(l.size(), 1, 1, 0, outH, rowIn));
                }
                h = outH;
            }
            BandProgram p = BandProgram.of(inPlace, inH, rowIn, 1, 4);
            BandProgram q = BandProgram.of(plain, inH, rowIn, 1, 4);
            assertTrue(p.workspaceBytes() <= q.workspaceBytes());
            if (p.inPlaceLayers().isEmpty()) {
                continue;
            }
            taken++;
            assertTrue(p.workspaceBytes() < q.workspaceBytes());
            int d = p.inPlaceLayers().get(0);
            int t = p.layers().get(d).inputs().get(0);
            long[] offsets = p.bufferOffsets();
            // the output row one byte closer to its input than its lead, or a row further into it (over rows the
            // window still reads)
            long[] closer = offsets.clone();
            closer[d + 1] = offsets[t] - p.layers().get(d).inPlaceLead() + 1;
            long[] over = offsets.clone();
            over[d + 1] = offsets[t] + (long) p.rowBytes(t) * Math.min(1, p.capacityRows()[t] - 1);
            for (long[] bad : List.of(closer, over)) {
                if (bad[d + 1] == offsets[d + 1] || bad[d + 1] < 0
                        || bad[d + 1] + p.rowBytes(d + 1) > p.workspaceBytes()) {
                    continue;
                }
                BandProgram corrupt = new BandProgram(p.layers(), p.inHeight(), p.inRowBytes(), p.bandRows(),
                        p.steps(), p.capacityRows(), bad, p.scratchOffsets(), p.scratchOutOffsets(),
                        p.workspaceBytes());
                if (bad == closer && p.layers().get(d).inPlaceLead() == 0) {
                    continue;
                }
                assertThrows(IllegalStateException.class, corrupt::verify, "trial " + trial + " layer " + d);
                caught++;
            }
        }
        assertTrue(taken > 150, "programs with in-place layers: " + taken);
        assertTrue(caught > 100, "corruptions caught: " + caught);
    }

    @Test
    void inverted3x3BlockKeepsThreeExpandedRows() {
        // 1x1 expansion, 3x3 stride-1 depthwise, 1x1 projection, residual add with the block input (tensor 0)
        List<BandLayer> layers = List.of(BandLayer.conv(0, 1, 1, 0, 16, 64), BandLayer.conv(1, 3, 1, 1, 16, 64),
                BandLayer.conv(2, 1, 1, 0, 16, 8), BandLayer.elementwise(List.of(0, 3), 16, 8));
        BandProgram p = BandProgram.of(layers, 16, 8, 1, 4);
        assertArrayEquals(new int[] {0, 3, 1, 1, 0}, p.capacityRows());
        assertEquals(3 * 64 + 64 + 8, p.workspaceBytes());
        assertEquals(16 * 4, p.computeSteps()); // one row per call

    }

    @Test
    void corruptedProgramsFailVerification() {
        Random r = new Random(7);
        int failures = 0;
        for (int trial = 0; trial < 200; trial++) {
            int inH = 8 + r.nextInt(40);
            int[] outH = new int[1];
            List<BandLayer> layers = randomPrefix(r, inH, outH);
            BandProgram p = BandProgram.of(layers, inH, 3, 1 + r.nextInt(outH[0]), 4);
            List<BandProgram.Step> steps = new ArrayList<>(p.steps());
            int victim = r.nextInt(steps.size());
            BandProgram.Step s = steps.get(victim);
            if (s instanceof BandProgram.Shift sh) {
                steps.remove(victim); // a missing shift leaves rows where the next window does not look
            } else {
                BandProgram.Compute c = (BandProgram.Compute) s;
                BandProgram.Window w = c.inputs().get(0);
                List<BandProgram.Window> ws = new ArrayList<>(c.inputs());
                ws.set(0, new BandProgram.Window(w.tensor(), w.rowOffset() + 1, w.rows(), w.padTop()));
                steps.set(victim, new BandProgram.Compute(c.layer(), c.y0(), c.y1(), ws, c.outRowOffset()));
            }
            BandProgram bad = new BandProgram(p.layers(), p.inHeight(), p.inRowBytes(), p.bandRows(), steps,
                    p.capacityRows(), p.bufferOffsets(), p.scratchOffsets(), p.scratchOutOffsets(),
                    p.workspaceBytes());
            assertThrows(IllegalStateException.class, bad::verify, "corrupted step " + victim + " " + s);
            failures++;
        }
        assertEquals(200, failures);
    }

    /**
     * The output lead: with the output {@code lead} bytes before the input in one buffer, replaying the program
     * byte by byte never reads an input byte an output write destroyed; one byte less does (when the lead is
     * positive).
     */
    @Test
    void theOutputLeadKeepsEveryInputByteReadIntactAndIsTheSmallest() {
        Random r = new Random(5);
        int positive = 0;
        for (int trial = 0; trial < 300; trial++) {
            int inH = 4 + r.nextInt(40);
            int[] outH = new int[1];
            List<BandLayer> layers = randomPrefix(r, inH, outH);
            BandProgram p = BandProgram.of(layers, inH, 1 + r.nextInt(12), 1 + r.nextInt(outH[0]), 4);
            long lead = p.outputLead();
            assertTrue(lead >= 0);
            assertEquals(-1, firstClobberedRead(p, lead), "lead " + lead);
            if (lead > 0) {
                positive++;
                assertTrue(firstClobberedRead(p, lead - 1) >= 0, "lead " + lead + " is not the smallest");
            }
        }
        assertTrue(positive > 50, "programs with a positive lead: " + positive);
    }

    /** The step at which a window reads an input byte already overwritten by the output, or -1. */
    private static int firstClobberedRead(BandProgram p, long lead) {
        int n = p.layers().size();
        long inBytes = (long) p.inHeight() * p.inRowBytes();
        long clobbered = 0; // input bytes [0, clobbered) are overwritten (outputs are written in increasing order)
        for (int s = 0; s < p.steps().size(); s++) {
            if (!(p.steps().get(s) instanceof BandProgram.Compute c)) {
                continue;
            }
            for (BandProgram.Window w : c.inputs()) {
                if (w.tensor() == 0 && (long) w.rowOffset() * p.inRowBytes() < clobbered) {
                    return s;
                }
            }
            if (c.layer() == n - 1) {
                long end = (long) (c.outRowOffset() + c.y1() - c.y0()) * p.rowBytes(n);
                clobbered = Math.max(clobbered, Math.min(inBytes, end - lead));
            }
        }
        return -1;
    }

    @Test
    void rejectsGeometryThatIsNoBandRegion() {
        assertThrows(IllegalArgumentException.class, () -> BandProgram.of(List.of(BandLayer.conv(0, 3, 1, 1, 8, 4),
                BandLayer.conv(0, 3, 1, 1, 8, 4)), 8, 4, 1, 4)); // tensor 1 read by nobody
        assertThrows(IllegalArgumentException.class, () -> BandProgram.of(List.of(BandLayer.conv(0, 3, 1, 1, 8, 4),
                BandLayer.conv(2, 3, 1, 1, 8, 4)), 8, 4, 1, 4)); // reads its own output
        assertThrows(IllegalArgumentException.class, () -> BandProgram.of(List.of(BandLayer.conv(0, 3, 1, 3, 8, 4),
                BandLayer.conv(1, 3, 1, 1, 8, 4)), 8, 4, 1, 4)); // first window all padding
    }
}
