package dev.tinytrain.backend.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.ir.band.BandLayer;
import dev.tinytrain.ir.band.BandProgram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link BandRegionKernel} on random inverted-residual regions (1x1 expansion, depthwise k 3/5 stride 1/2,
 * 1x1 projection, the residual add at stride 1), in bands of 1 to 3 rows: the region on float line buffers
 * ({@link CenteredRows}, frozen layers) and on the arena's line buffers (the same layers lowered as trained, which
 * keeps them off centered rows) both give the bytes of the reference kernels run on whole tensors.
 */
class BandRegionKernelTest {

    private record Conv(int inH, int inW, int inC, int xZero, byte[] w, int k, int stride, int pad, int groups,
                        float[] bias, float[] eff, int yZero, int outH, int outW, int outC) {
        FastConv2d fast(boolean fixed, Scratch scratch) {
            return new FastConv2d(inH, inW, inC, xZero, w, k, k, stride, pad, pad, groups, bias, eff, yZero, outH,
                    outW, outC, fixed, scratch);
        }

        void reference(byte[] arena, int inOff, int outOff) {
            ForwardKernels.conv2d(arena, inOff, inH, inW, inC, xZero, w, k, k, stride, pad, pad, groups, bias, eff,
                    yZero, outOff, outH, outW, outC, -1);
        }
    }

    private static Conv conv(Random r, int h, int w, int inC, int xZero, int k, int stride, boolean depthwise,
                             int outC, int yZero) {
        int pad = k / 2;
        int outH = (h + 2 * pad - k) / stride + 1;
        int outW = (w + 2 * pad - k) / stride + 1;
        byte[] weight = new byte[depthwise ? k * k * inC : outC * k * k * inC];
        r.nextBytes(weight);
        float[] bias = new float[outC];
        float[] eff = new float[outC];
        for (int o = 0; o < outC; o++) {
            bias[o] = (float) (r.nextGaussian() * 3000);
            eff[o] = (float) (r.nextDouble() * (depthwise ? 0.004 : 0.002));
        }
        return new Conv(h, w, inC, xZero, weight, k, stride, pad, depthwise ? inC : 1, bias, eff, yZero, outH, outW,
                outC);
    }

    @Test
    void centeredRowsAndArenaLineBuffersGiveTheWholeTensorBytes() {
        Random r = new Random(21);
        int centered = 0;
        for (int t = 0; t < 60; t++) {
            int h = 3 + r.nextInt(14);
            int w = 3 + r.nextInt(14);
            int c0 = 1 + r.nextInt(12);
            int c1 = c0 * (1 + r.nextInt(4));
            int k = r.nextBoolean() ? 3 : 5;
            int stride = 1 + r.nextInt(2);
            int[] z = new int[5];
            for (int i = 0; i < z.length; i++) {
                z[i] = r.nextInt(256) - 128;
            }
            List<Conv> convs = new ArrayList<>();
            convs.add(conv(r, h, w, c0, z[0], 1, 1, false, c1, z[1]));
            Conv dw = conv(r, h, w, c1, z[1], k, stride, true, c1, z[2]);
            convs.add(dw);
            convs.add(conv(r, dw.outH(), dw.outW(), c1, z[2], 1, 1, false, c0, z[3]));
            boolean residual = stride == 1;
            BandRegionKernel.Add add = new BandRegionKernel.Add(z[0], 0.02f + r.nextFloat() * 0.02f, z[3],
                    0.02f + r.nextFloat() * 0.02f, z[4], 0.03f + r.nextFloat() * 0.02f);
            List<BandLayer> layers = new ArrayList<>();
            for (int i = 0; i < convs.size(); i++) {
                Conv c = convs.get(i);
                layers.add(BandLayer.conv(i, c.k(), c.stride(), c.pad(), c.outH(), c.outW() * c.outC()));
            }
            if (residual) {
                layers.add(BandLayer.elementwise(List.of(0, 3), h, w * c0));
            }
            int n = layers.size();
            // whole tensors through the reference kernels
            int inLen = h * w * c0;
            byte[] input = new byte[inLen];
            r.nextBytes(input);
            int[] offsets = new int[n + 1];
            int[] lengths = new int[n + 1];
            lengths[0] = inLen;
            for (int i = 0; i < convs.size(); i++) {
                Conv c = convs.get(i);
                lengths[i + 1] = c.outH() * c.outW() * c.outC();
            }
            if (residual) {
                lengths[4] = inLen;
            }
            for (int i = 1; i <= n; i++) {
                offsets[i] = offsets[i - 1] + lengths[i - 1];
            }
            byte[] whole = new byte[offsets[n] + lengths[n]];
            System.arraycopy(input, 0, whole, 0, inLen);
            for (int i = 0; i < convs.size(); i++) {
                convs.get(i).reference(whole, offsets[i], offsets[i + 1]);
            }
            if (residual) {
                ForwardKernels.quantizedAdd(whole, offsets[0], add.aZero(), add.aScale(), offsets[3], add.bZero(),
                        add.bScale(), inLen, add.yZero(), add.yScale(), offsets[4], -1);
            }
            byte[] expected = Arrays.copyOfRange(whole, offsets[n], offsets[n] + lengths[n]);

            BandProgram program = BandProgram.of(layers, h, w * c0, 1 + r.nextInt(3), 4);
            for (boolean fixed : new boolean[] {true, false}) {
                Scratch scratch = new Scratch();
                FastConv2d[] fast = new FastConv2d[n];
                BandRegionKernel.Add[] adds = new BandRegionKernel.Add[n];
                for (int i = 0; i < convs.size(); i++) {
                    fast[i] = convs.get(i).fast(fixed, scratch);
                }
                if (residual) {
                    adds[3] = add;
                }
                BandRegionKernel kernel = new BandRegionKernel(program, fast, new FastExpandDepthwise[n], adds);
                assertEquals(fixed, kernel.centeredRows(), "frozen layers run on centered rows, trained ones not");
                centered += kernel.centeredRows() ? 1 : 0;
                int inOff = 3;
                int outOff = inOff + inLen + r.nextInt(5);
                int wsOff = outOff + lengths[n] + r.nextInt(5);
                byte[] arena = new byte[wsOff + (int) program.workspaceBytes() + 3];
                r.nextBytes(arena);
                System.arraycopy(input, 0, arena, inOff, inLen);
                for (int run = 0; run < 2; run++) { // the second run reuses line buffers and scratch
                    kernel.run(arena, inOff, outOff, wsOff);
                    assertArrayEquals(expected, Arrays.copyOfRange(arena, outOff, outOff + lengths[n]),
                            "#" + t + (fixed ? " centered rows" : " arena line buffers") + ", run " + run + ", "
                                    + h + "x" + w + "x" + c0 + " -> " + c1 + ", k" + k + " s" + stride);
                }
            }
        }
        assertEquals(60, centered);
    }
}
