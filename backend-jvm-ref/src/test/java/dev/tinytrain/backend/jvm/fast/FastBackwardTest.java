package dev.tinytrain.backend.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.kernels.ArenaAccess;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.backend.jvm.kernels.StepKernels;
import dev.tinytrain.backend.jvm.kernels.UpdateKernels;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link FastConvInputGrad} and {@link FastConvWeightGradUpdate} give the bits of their reference kernels
 * ({@link BackwardKernels#convInputGrad}, {@link StepKernels#convWeightGradUpdate}) on random convs: the same
 * arena bytes (gradients, workspace) and the same updated weights and master copies.
 */
class FastBackwardTest {

    /** Floats of mixed magnitudes and signs, some zero (masked gradients), so sums round at every step. */
    private static void putFloats(Random r, byte[] arena, int off, int n) {
        for (int i = 0; i < n; i++) {
            float v = r.nextInt(6) == 0 ? 0f : (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(12) - 6));
            ArenaAccess.putFloat(arena, off + 4 * i, v);
        }
    }

    private static ConvGeom randomGeom(Random r, int inC, int outC, int k, int groups) {
        int stride = 1 + r.nextInt(2);
        int inH = k + r.nextInt(9);
        int inW = k + r.nextInt(9);
        return ConvGeom.of(inH, inW, inC, outC, k, stride, groups);
    }

    @Test
    void inputGradMatchesTheReference() {
        Random r = new Random(21);
        Scratch shared = new Scratch(); // as in a program: arrays sized for other convs, with stale values
        int fast = 0;
        for (int t = 0; t < 200; t++) {
            boolean pointwise = t % 4 != 0;
            int inC = 1 + r.nextInt(40);
            int outC = 1 + r.nextInt(40);
            int h = 1 + r.nextInt(12);
            int w = 1 + r.nextInt(12);
            ConvGeom geom = pointwise ? new ConvGeom(h, w, inC, h, w, outC, 1, 1, 1, 1, 0, 0, 1)
                    : randomGeom(r, inC, outC, 3, 1);
            byte[] weight = new byte[geom.weightCount()];
            r.nextBytes(weight);
            int gOff = 4 * r.nextInt(3);
            int dxOff = gOff + 4 * geom.outPositions() * outC + 4 * r.nextInt(3);
            byte[] arena = new byte[dxOff + 4 * geom.inH() * geom.inW() * inC + 8];
            putFloats(r, arena, gOff, geom.outPositions() * outC);
            putFloats(r, arena, dxOff, geom.inH() * geom.inW() * inC);
            boolean accumulate = r.nextBoolean();
            byte[] expected = arena.clone();
            BackwardKernels.convInputGrad(expected, gOff, weight, geom, dxOff, accumulate);
            FastConvInputGrad k = new FastConvInputGrad(weight, geom, r.nextBoolean(), shared);
            // a 1x1 conv of one channel to one channel is depthwise: the reference runs it
            assertEquals(pointwise && !geom.depthwise(), k.isFast(), geom.toString());
            fast += k.isFast() ? 1 : 0;
            k.run(arena, gOff, dxOff, accumulate);
            assertArrayEquals(expected, arena, geom + " accumulate " + accumulate);
        }
        assertTrue(fast > 100, "the fast path ran " + fast + " times");
    }

    @Test
    void weightGradUpdateMatchesTheReference() {
        Random r = new Random(8);
        Scratch shared = new Scratch();
        for (int t = 0; t < 240; t++) {
            boolean depthwise = t % 3 == 0;
            boolean grouped = t % 17 == 1;
            int k = new int[] {1, 1, 3, 5}[r.nextInt(4)];
            ConvGeom geom;
            ConvGeom gradGeom;
            int[] channels;
            if (depthwise) {
                int c = 1 + r.nextInt(30);
                geom = randomGeom(r, c, c, k, c);
                gradGeom = geom;
                channels = r.nextBoolean() ? null : IntStream.range(0, c).filter(i -> r.nextInt(3) == 0).toArray();
            } else {
                int groups = grouped ? 2 : 1;
                int inC = groups * (1 + r.nextInt(24));
                int outC = groups * (1 + r.nextInt(24));
                geom = randomGeom(r, inC, outC, k, groups);
                channels = r.nextBoolean() || grouped ? null
                        : IntStream.range(0, inC).filter(i -> r.nextInt(3) == 0).toArray();
                int n = channels == null ? inC : channels.length;
                if (n == 0) {
                    channels = null;
                    n = inC;
                }
                gradGeom = new ConvGeom(geom.inH(), geom.inW(), n, geom.outH(), geom.outW(), outC, k, k,
                        geom.strideH(), geom.strideW(), geom.padH(), geom.padW(), groups);
            }
            RoundingMode mode = RoundingMode.values()[r.nextInt(RoundingMode.values().length)];
            byte[] weight = new byte[geom.weightCount()];
            r.nextBytes(weight);
            float[] master = mode == RoundingMode.FLOAT_MASTER ? UpdateKernels.masterOf(weight) : null;
            float[] qas = r.nextBoolean() ? null : new float[geom.outC()];
            if (qas != null) {
                for (int o = 0; o < qas.length; o++) {
                    qas[o] = 0.5f + r.nextFloat() * 100;
                }
            }
            int xZero = new int[] {-128, 127, r.nextInt(256) - 128}[r.nextInt(3)];
            int xLen = gradGeom.inH() * gradGeom.inW() * gradGeom.inC();
            int gOff = (xLen + 3) & ~3;
            int gLen = 4 * gradGeom.outPositions() * gradGeom.outC();
            int wsOff = gOff + gLen + 4 * r.nextInt(2);
            int wsFloats = Math.max(gradGeom.kH() * gradGeom.kW() * gradGeom.inPerGroup(), geom.kH() * geom.kW());
            byte[] arena = new byte[wsOff + 4 * wsFloats + 4];
            r.nextBytes(arena);
            putFloats(r, arena, gOff, gLen / 4);
            float lr = (float) Math.scalb(1.0, -r.nextInt(12)) * (1 + r.nextFloat());
            int rngKey = r.nextInt();
            byte[] expectedArena = arena.clone();
            byte[] expectedWeight = weight.clone();
            float[] expectedMaster = master == null ? null : master.clone();
            StepKernels.convWeightGradUpdate(expectedArena, 0, xZero, gOff, gradGeom, geom, channels, wsOff,
                    expectedWeight, expectedMaster, qas, lr, mode, rngKey);
            new FastConvWeightGradUpdate(xZero, gradGeom, geom, channels, weight, master, qas, mode, shared)
                    .run(arena, 0, gOff, wsOff, lr, rngKey);
            String what = (depthwise ? "depthwise " : "dense ") + geom + " " + mode;
            assertArrayEquals(expectedArena, arena, what);
            assertArrayEquals(expectedWeight, weight, what);
            assertArrayEquals(expectedMaster, master, what);
        }
    }
}
