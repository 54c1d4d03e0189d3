package dev.tinytrain.backend.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.kernels.ExpandDepthwise;
import dev.tinytrain.ir.band.BandLayer;
import dev.tinytrain.ir.band.BandProgram;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FastExpandDepthwise} on row windows (a band region's steps) gives the bytes of its reference
 * {@link ExpandDepthwise#referenceRows}, and those are the rows the expansion and the depthwise conv give on whole
 * tensors: random shapes (kernels 1/3/5/7, strides 1/2, random padding, 1-40 expanded channels from 1-20 input
 * channels), channel groups from 1 to beyond the channel count (narrow last groups), random bands and buffers.
 */
class FastExpandDepthwiseTest {

    static ExpandDepthwise randomLayers(Random r) {
        FastConv2dTest.Case dw = FastConv2dTest.randomCase(r, "depthwise");
        int inC = 1 + r.nextInt(20);
        int c = dw.inC();
        FastConv2dTest.Case exp = FastConv2dTest.randomCase(r, "pointwise");
        byte[] ew = new byte[c * inC];
        r.nextBytes(ew);
        float[] eb = new float[c];
        float[] ee = new float[c];
        for (int o = 0; o < c; o++) {
            eb[o] = exp.bias()[o % exp.bias().length];
            ee[o] = exp.eff()[o % exp.eff().length];
        }
        return new ExpandDepthwise(dw.inH(), dw.inW(), inC, exp.xZero(), ew, eb, ee, dw.xZero(), dw.weight(), dw.k(),
                dw.kW(), dw.stride(), dw.padTop(), dw.padLeft(), dw.bias(), dw.eff(), dw.yZero(), dw.outH(),
                dw.outW(), c);
    }

    @Test
    void rowWindowsMatchTheReferenceAndTheWholeTensors() {
        Random r = new Random(1515);
        int checked = 0;
        for (int t = 0; t < 400; t++) {
            ExpandDepthwise s = randomLayers(r);
            int rowIn = s.inW() * s.inC();
            int rowOut = s.outW() * s.channels();
            byte[] input = new byte[s.inH() * rowIn];
            r.nextBytes(input);
            byte[] whole = new byte[input.length + s.outH() * rowOut];
            System.arraycopy(input, 0, whole, 0, input.length);
            s.referenceRows(whole, 0, s.inH(), s.padTop(), input.length, s.outH());
            int group = 1 + r.nextInt(s.channels() + 2);
            FastExpandDepthwise fast = new FastExpandDepthwise(s, group, new Scratch());
            BandLayer layer = BandLayer.conv(0, s.kH(), s.stride(), s.padTop(), s.outH(), rowOut);
            for (int band = 0; band < 3; band++) {
                int y0 = r.nextInt(s.outH());
                int y1 = y0 + 1 + r.nextInt(Math.min(4, s.outH() - y0));
                int lo = Math.max(0, layer.firstInputRow(y0));
                int hi = layer.inputRowsEnd(y1, s.inH());
                if (hi <= lo) {
                    continue; // a band entirely in the padding: no band program asks for it
                }
                int begin = r.nextInt(lo + 1);
                int end = hi + r.nextInt(s.inH() - hi + 1);
                BandProgram.Window w = BandProgram.convWindow(layer, 0, y0, y1, begin, end, s.inH());
                int inOff = r.nextInt(5);
                int outOff = inOff + (end - begin) * rowIn + r.nextInt(5);
                int scratchOff = outOff + (y1 - y0) * rowOut + r.nextInt(5);
                int scratchOutOff = scratchOff + fast.scratchInBytes(w.rows()) + r.nextInt(5);
                byte[] arena = new byte[scratchOutOff + (y1 - y0) * s.outW() * Math.min(group, s.channels()) + 3];
                r.nextBytes(arena);
                System.arraycopy(input, begin * rowIn, arena, inOff, (end - begin) * rowIn);
                byte[] ref = arena.clone();
                int wIn = inOff + w.rowOffset() * rowIn;
                s.referenceRows(ref, wIn, w.rows(), w.padTop(), outOff, y1 - y0);
                fast.runRows(arena, wIn, w.rows(), w.padTop(), outOff, y1 - y0, scratchOff, scratchOutOff);
                String at = "#" + t + " rows [" + y0 + ", " + y1 + ") group " + group + " " + s.channels() + " ch k"
                        + s.kH() + " s" + s.stride();
                byte[] got = Arrays.copyOfRange(arena, outOff, outOff + (y1 - y0) * rowOut);
                assertArrayEquals(Arrays.copyOfRange(ref, outOff, outOff + (y1 - y0) * rowOut), got, at);
                assertArrayEquals(Arrays.copyOfRange(whole, input.length + y0 * rowOut, input.length + y1 * rowOut),
                        got, at + " (whole tensors)");
                assertArrayEquals(Arrays.copyOfRange(ref, 0, scratchOff), Arrays.copyOfRange(arena, 0, scratchOff),
                        at + ": only the output and the scratch are written");
                checked++;
            }
        }
        assertTrue(checked > 800, "windows checked: " + checked);
    }
}
