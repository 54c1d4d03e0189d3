package dev.tinytrain.backend.jvm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.fast.FastStreamedBackward;
import dev.tinytrain.backend.jvm.fast.Scratch;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.StreamedKernels.Region;
import dev.tinytrain.backend.jvm.kernels.StreamedKernels.Update;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamedKernels#streamedBackward} gives the bits of the whole-tensor kernels it replaces, run in the order
 * of the unstreamed schedule (projection input gradient, depthwise mask and scale, depthwise input gradient, the
 * depthwise bias and weight updates, the expansion's mask and scale, its input gradient, its bias and weight
 * updates), on random blocks: stride 1 and 2, kernels 3, 5 and 7, every rounding mode, random trained channel lists,
 * each part present or not, groups of 1 to 5 channels, 1 to 12 expanded channels (and 129 to 168 in every tenth
 * block: several of the fast kernel's channel blocks); and {@link FastStreamedBackward}, the lowered variant the JVM
 * programs run, gives the same bits too. Compared: the expansion's input gradient, every weight, bias, float view and
 * master.
 */
class StreamedKernelsTest {

    private static void putFloats(Random r, byte[] arena, int off, int n) {
        for (int i = 0; i < n; i++) {
            float v = r.nextInt(6) == 0 ? 0f : (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(12) - 6));
            ArenaAccess.putFloat(arena, off + 4 * i, v);
        }
    }

    private static float[] scales(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.scalb(0.5 + r.nextDouble(), -r.nextInt(8));
        }
        return f;
    }

    private static int[] subset(Random r, int n) {
        if (r.nextInt(3) == 0) {
            return null;
        }
        int[] all = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (r.nextBoolean()) {
                all[k++] = i;
            }
        }
        if (k == 0) {
            all[k++] = r.nextInt(n);
        }
        return Arrays.copyOf(all, k);
    }

    /** The parameter storage of one block (the streamed and the reference run each get a copy). */
    private record Params(byte[] proj, byte[] dw, byte[] exp, int[] dwBias, int[] expBias, float[] dwView,
                          float[] expView, float[] dwMaster, float[] expMaster, float[] dwBiasMaster,
                          float[] expBiasMaster) {
        Params copy() {
            return new Params(proj.clone(), dw.clone(), exp.clone(), dwBias.clone(), expBias.clone(), dwView.clone(),
                    expView.clone(), dwMaster.clone(), expMaster.clone(), dwBiasMaster.clone(), expBiasMaster.clone());
        }

        void assertEqualTo(Params o, String what) {
            assertArrayEquals(o.dw, dw, what + ": depthwise weight");
            assertArrayEquals(o.exp, exp, what + ": expansion weight");
            assertArrayEquals(o.dwBias, dwBias, what + ": depthwise bias");
            assertArrayEquals(o.expBias, expBias, what + ": expansion bias");
            for (float[][] f : new float[][][] {{o.dwView, dwView}, {o.expView, expView}, {o.dwMaster, dwMaster},
                {o.expMaster, expMaster}, {o.dwBiasMaster, dwBiasMaster}, {o.expBiasMaster, expBiasMaster}}) {
                assertArrayEquals(bits(f[0]), bits(f[1]), what + ": float view or master");
            }
        }
    }

    /** Raw float bits, so -0 and +0 differ. */
    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    @Test
    void aStreamedBlockGivesTheBitsOfTheWholeTensorKernels() {
        Random r = new Random(15);
        Scratch shared = new Scratch(); // as in a program: shared with other kernels, stale contents
        int deepRuns = 0;
        for (int t = 0; t < 300; t++) {
            int k = new int[] {3, 5, 7}[r.nextInt(3)];
            int stride = 1 + r.nextInt(2);
            int h1 = 1 + r.nextInt(10);
            int w1 = 1 + r.nextInt(10);
            // every tenth block is wider than two of FastStreamedBackward's channel blocks (the last one partial)
            int c = t % 10 == 9 ? 129 + r.nextInt(40) : 1 + r.nextInt(12);
            int o = 1 + r.nextInt(9);
            int cin = 1 + r.nextInt(9);
            boolean deep = r.nextInt(4) != 0;
            deepRuns += deep ? 1 : 0;
            RoundingMode mode = RoundingMode.values()[r.nextInt(3)];
            ConvGeom dw = ConvGeom.of(h1, w1, c, c, k, stride, c);
            ConvGeom proj = new ConvGeom(dw.outH(), dw.outW(), c, dw.outH(), dw.outW(), o, 1, 1, 1, 1, 0, 0, 1);
            ConvGeom exp = new ConvGeom(h1, w1, cin, h1, w1, c, 1, 1, 1, 1, 0, 0, 1);
            int p2 = dw.outPositions();
            int p1 = h1 * w1;
            boolean dwBiasOn = r.nextBoolean();
            int[] dwChannels = subset(r, c);
            boolean dwWeightOn = r.nextBoolean();
            boolean expBiasOn = deep && r.nextBoolean();
            int[] expChannels = subset(r, cin);
            boolean expWeightOn = deep && r.nextBoolean();
            boolean dxOn = deep && r.nextInt(4) != 0;
            int kk = expChannels == null ? cin : expChannels.length;

            // arena: g', dw mask, dw input, exp mask, exp input (trained channels), then outputs and scratch
            int at = 0;
            int gOff = at;
            at += 4 * p2 * o;
            int dwMask = at;
            at += ArenaAccess.maskBytes(p2 * c);
            int dwX = at;
            at += p1 * c;
            int expMask = at;
            at += ArenaAccess.maskBytes(p1 * c);
            int expX = at;
            at += p1 * kk;
            at = (at + 3) / 4 * 4;
            int dx = at;
            at += 4 * p1 * cin;
            int group = 1 + r.nextInt(5);
            int plane = at;
            at += 4 * group * p2;
            int planeIn = at;
            at += 4 * group * p1;
            int vector = at;
            at += 4 * Math.max(Math.max(group * o, k * k), group * cin);
            // the reference's whole tensors
            int dwGrad = at;
            at += 4 * p2 * c;
            int expGrad = at;
            at += 4 * p1 * c;
            int ws = at;
            at += 4 * Math.max(k * k, cin);
            byte[] arena = new byte[at];
            r.nextBytes(arena);
            putFloats(r, arena, gOff, p2 * o);

            byte[] projW = new byte[o * c];
            byte[] dwW = new byte[k * k * c];
            byte[] expW = new byte[c * cin];
            r.nextBytes(projW);
            r.nextBytes(dwW);
            r.nextBytes(expW);
            int[] dwB = r.ints(c, -5000, 5000).toArray();
            int[] expB = r.ints(c, -5000, 5000).toArray();
            float[] dwView = new float[c];
            float[] expView = new float[c];
            Params ref = new Params(projW, dwW, expW, dwB, expB, dwView, expView, UpdateKernels.masterOf(dwW),
                    UpdateKernels.masterOf(expW), UpdateKernels.masterOf(dwB), UpdateKernels.masterOf(expB));
            Params str = ref.copy();
            Params fst = ref.copy();
            float[] dwEff = scales(r, c);
            float[] expEff = scales(r, c);
            float[] qas = r.nextBoolean() ? scales(r, c) : null;
            float lrB = (float) Math.scalb(1.0, 6 + r.nextInt(8));
            float lrW = (float) Math.scalb(1.0, -2 - r.nextInt(4));
            int[] keys = r.ints(4).toArray();
            boolean master = mode == RoundingMode.FLOAT_MASTER;

            // the reference, in the unstreamed schedule's order
            byte[] expected = arena.clone();
            BackwardKernels.convInputGrad(expected, gOff, ref.proj(), proj, dwGrad, false);
            BackwardKernels.maskAndScaleOutputGrad(expected, dwGrad, dwMask, dwEff, p2, c, dwGrad);
            if (deep) {
                BackwardKernels.convInputGrad(expected, dwGrad, ref.dw(), dw, expGrad, false);
            }
            if (dwBiasOn) {
                StepKernels.convBiasGradUpdate(expected, dwGrad, p2, c, ref.dwBias(), master ? ref.dwBiasMaster() : null,
                        ref.dwView(), qas, lrB, mode, keys[0]);
            }
            if (dwWeightOn) {
                StepKernels.convWeightGradUpdate(expected, dwX, 3, dwGrad, dw, dw, dwChannels, ws, ref.dw(),
                        master ? ref.dwMaster() : null, qas, lrW, mode, keys[1]);
            }
            if (deep) {
                BackwardKernels.maskAndScaleOutputGrad(expected, expGrad, expMask, expEff, p1, c, expGrad);
                if (dxOn) {
                    BackwardKernels.convInputGrad(expected, expGrad, ref.exp(), exp, dx, false);
                }
                if (expBiasOn) {
                    StepKernels.convBiasGradUpdate(expected, expGrad, p1, c, ref.expBias(),
                            master ? ref.expBiasMaster() : null, ref.expView(), qas, lrB, mode, keys[2]);
                }
                if (expWeightOn) {
                    ConvGeom sliced = new ConvGeom(h1, w1, kk, h1, w1, c, 1, 1, 1, 1, 0, 0, 1);
                    StepKernels.convWeightGradUpdate(expected, expX, -7, expGrad, sliced, exp, expChannels, ws,
                            ref.exp(), master ? ref.expMaster() : null, qas, lrW, mode, keys[3]);
                }
            }

            // one region per copy of the parameters: the reference kernel and the lowered variant the JVM programs run
            java.util.function.Function<Params, Region> regionOf = q -> new Region(o, gOff, q.proj(), dw, dwMask,
                    dwEff, q.dw(),
                    dwBiasOn ? new Update(q.dwBias(), q.dwView(), master ? q.dwBiasMaster() : null, qas, null, mode)
                            : null,
                    dwWeightOn ? new Update(null, null, master ? q.dwMaster() : null, qas, dwChannels, mode) : null,
                    dwWeightOn ? dwX : -1, 3, deep ? exp : null, expMask, expEff, q.exp(),
                    expBiasOn ? new Update(q.expBias(), q.expView(), master ? q.expBiasMaster() : null, qas, null,
                            mode) : null,
                    expWeightOn ? new Update(null, null, master ? q.expMaster() : null, qas, expChannels, mode)
                            : null,
                    expWeightOn ? expX : -1, -7, dxOn ? dx : -1, plane, deep ? planeIn : -1, vector, group);
            Region region = regionOf.apply(str);
            Region fastRegion = regionOf.apply(fst);
            byte[] actual = arena.clone();
            StreamedKernels.streamedBackward(actual, region, lrB, keys[0], lrW, keys[1], lrB, keys[2], lrW, keys[3]);
            byte[] fast = arena.clone();
            new FastStreamedBackward(fastRegion, shared).run(fast, lrB, keys[0], lrW, keys[1], lrB, keys[2], lrW,
                    keys[3]);

            String what = "case " + t + ": " + h1 + "x" + w1 + "x" + c + " k" + k + " s" + stride + " O" + o + " Cin"
                    + cin + " group " + group + " " + mode + (deep ? " deep" : "");
            str.assertEqualTo(ref, what);
            fst.assertEqualTo(ref, what + " (FastStreamedBackward)");
            if (dxOn) {
                assertArrayEquals(Arrays.copyOfRange(expected, dx, dx + 4 * p1 * cin),
                        Arrays.copyOfRange(actual, dx, dx + 4 * p1 * cin), what + ": input gradient");
                assertArrayEquals(Arrays.copyOfRange(expected, dx, dx + 4 * p1 * cin),
                        Arrays.copyOfRange(fast, dx, dx + 4 * p1 * cin), what + ": input gradient (fast)");
            }
            assertArrayEquals(Arrays.copyOfRange(arena, 0, dx), Arrays.copyOfRange(fast, 0, dx), what + ": inputs");
            // nothing outside the region's own outputs and scratch changes
            assertArrayEquals(Arrays.copyOfRange(arena, 0, dx), Arrays.copyOfRange(actual, 0, dx), what + ": inputs");
        }
        assertTrue(deepRuns > 100);
    }
}
