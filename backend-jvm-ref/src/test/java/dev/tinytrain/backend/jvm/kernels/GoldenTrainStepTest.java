package dev.tinytrain.backend.jvm.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.GoldenFiles.Blob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.eff;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.getF;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.maxAbs;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.maxAbsDiff;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.putF;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.setBit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training kernels against the authors' PyTorch training-step goldens ({@code golden/<model>/train_<i>},
 * README 3.3-3.4, tolerances README 4).
 *
 * <ul>
 *   <li>{@link #qasAndSgdAreBitExact}: for every updated conv parameter, {@code grad_qas} equals
 *       {@link UpdateKernels#qas} of {@code grad_raw} with the divisors of {@link UpdateKernels} bit for bit,
 *       and the FLOAT_MASTER update from the float32 of the int8/int32 model value gives {@code after} bit
 *       for bit (whole-tensor and per-output-channel paths); NEAREST_EVEN stores {@code rint(after)}.</li>
 *   <li>{@link #headAndTailBackwardMatch}: the head (logits, loss, head gradients, head update), then a
 *       forward (FORMAT.md 3, test-local, checked bit-exact against the forward goldens) over the last
 *       blocks and a backward with {@link BackwardKernels} through them; every updated conv's
 *       {@code grad_raw} is matched within {@code 1e-5 * max|g|}, and the fused per-channel
 *       gradient+update within the README's update tolerance.</li>
 * </ul>
 */
class GoldenTrainStepTest {

    private static Path shared;

    @BeforeAll
    static void locate() {
        shared = GoldenFiles.sharedOrSkip();
    }

    static Stream<String[]> cases() {
        List<String[]> l = new ArrayList<>();
        for (String m : GoldenFiles.MODELS) {
            for (int i = 0; i < 3; i++) {
                l.add(new String[]{m, Integer.toString(i)});
            }
        }
        return l.stream();
    }

    /** A conv layer of the model, in the kernels' layouts. */
    static final class Conv {
        final String path;
        final ConvGeom geom;
        final byte[] weight;
        final int[] bias;
        final float[] eff;
        final double xScale, yScale;
        final int xZero, yZero;

        Conv(Blob model, String path) {
            this.path = path;
            JsonNode d = GoldenFiles.at(model.index, path);
            JsonNode p = d.get("params");
            int k = d.get("kernel_size").get(0).asInt();
            int in = d.has("in_shape") ? d.get("in_shape").asInt() : 1;
            geom = ConvGeom.of(in, in, d.get("in_channel").asInt(), d.get("out_channel").asInt(), k,
                    d.get("stride").asInt(), d.get("groups").asInt());
            if (d.has("out_shape")) {
                assertEquals(d.get("out_shape").asInt(), geom.outH(), path);
            }
            weight = GoldenFiles.oihwToKernel(model.i8(p.get("weight")), geom);
            bias = model.i32(p.get("bias"));
            xScale = p.get("x_scale").asDouble();
            yScale = p.get("y_scale").asDouble();
            xZero = p.get("x_zero").asInt();
            yZero = p.get("y_zero").asInt();
            eff = eff(xScale, model.f32(p.get("w_scales")), yScale);
        }
    }

    private static String convPathOf(String param) {
        return param.substring(0, param.indexOf(".params."));
    }

    private static int[] keptChannels(Blob g, String param) {
        String name = param + ".keep_mask";
        if (!g.has(name)) {
            return null;
        }
        byte[] m = g.i8(name);
        int n = 0;
        for (byte b : m) {
            n += b != 0 ? 1 : 0;
        }
        int[] c = new int[n];
        for (int i = 0, j = 0; i < m.length; i++) {
            if (m[i] != 0) {
                c[j++] = i;
            }
        }
        return c;
    }

    private static void assertBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        int bad = 0, first = -1;
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            throw new AssertionError(what + ": " + bad + " of " + want.length + " elements differ, first at " + first
                    + ": want " + want[first] + " got " + got[first]);
        }
    }

    private static void assertClose(float[] want, float[] got, double relTol, String what) {
        double max = maxAbs(want);
        double diff = maxAbsDiff(want, got);
        assertTrue(diff <= relTol * max, what + ": max|diff| " + diff + " > " + relTol + " * max|ref| " + max);
    }

    // ============================================================================ QAS + SGD, bit exact

    @ParameterizedTest(name = "{0} train_{1}")
    @MethodSource("cases")
    void qasAndSgdAreBitExact(String model, String index) {
        Blob m = Blob.model(shared.resolve("models").resolve(model));
        Blob g = Blob.golden(shared.resolve("golden").resolve(model).resolve("train_" + index + ".json"));
        float lr = (float) g.index.get("lr").asDouble();
        assertEquals(0.000390625f, lr);
        int checked = 0;
        for (JsonNode u : g.index.get("updated")) {
            String param = u.get("param").asText();
            if (u.get("conv_index").isNull()) {
                continue;
            }
            assertTrue(u.get("qas_applied").asBoolean(), param);
            Conv c = new Conv(m, convPathOf(param));
            float[] raw = g.f32(param + ".grad_raw");
            float[] qas = g.f32(param + ".grad_qas");
            float[] after = g.f32(param + ".after");
            if (param.endsWith(".bias")) {
                float[] div = UpdateKernels.qasBiasDivisors(c.eff, c.yScale);
                float[] mine = new float[raw.length];
                for (int o = 0; o < raw.length; o++) {
                    mine[o] = UpdateKernels.qas(raw[o], div[o]);
                }
                assertBits(qas, mine, param + " grad_qas");
                byte[] a = new byte[4 * raw.length];
                putF(a, 0, raw);
                float[] master = UpdateKernels.masterOf(c.bias);
                UpdateKernels.updateBias(a, 0, raw.length, null, master, div, lr, RoundingMode.FLOAT_MASTER, 0);
                assertBits(after, master, param + " after (FLOAT_MASTER)");
                int[] b = c.bias.clone();
                UpdateKernels.updateBias(a, 0, raw.length, b, null, div, lr, RoundingMode.NEAREST_EVEN, 0);
                for (int o = 0; o < b.length; o++) {
                    assertEquals(UpdateKernels.roundBiasNearestEven(after[o]), b[o], param + " NEAREST_EVEN");
                }
            } else {
                ConvGeom geom = c.geom;
                int[] channels = keptChannels(g, param);
                float[] div = UpdateKernels.qasWeightDivisors(c.eff, c.yScale, c.xScale);
                int per = raw.length / geom.outC();
                float[] mine = new float[raw.length];
                for (int i = 0; i < raw.length; i++) {
                    mine[i] = UpdateKernels.qas(raw[i], div[i / per]); // OIHW: o outermost
                }
                assertBits(qas, mine, param + " grad_qas");
                float[] rawK = GoldenFiles.oihwToKernel(raw, geom);
                float[] afterK = GoldenFiles.oihwToKernel(after, geom);
                byte[] a = new byte[4 * rawK.length + 4 * geom.channelWorkspaceFloats(channels)];
                putF(a, 0, rawK);
                // whole tensor
                byte[] w = c.weight.clone();
                float[] master = UpdateKernels.masterOf(c.weight);
                UpdateKernels.updateConvWeight(a, 0, geom, channels, w, master, div, lr, RoundingMode.FLOAT_MASTER, 0);
                assertBits(afterK, master, param + " after (FLOAT_MASTER, whole tensor)");
                byte[] rounded = new byte[w.length];
                for (int i = 0; i < w.length; i++) {
                    rounded[i] = UpdateKernels.roundWeightNearestEven(afterK[i]);
                }
                assertArrayEquals(rounded, w, param + " int8 copy");
                // per output channel, from a compact workspace
                float[] master2 = UpdateKernels.masterOf(c.weight);
                byte[] w2 = c.weight.clone();
                int wsOff = 4 * rawK.length;
                for (int o = 0; o < geom.outC(); o++) {
                    if (geom.depthwise() && channels != null && java.util.Arrays.binarySearch(channels, o) < 0) {
                        continue;
                    }
                    int n = geom.depthwise() ? 1 : (channels == null ? geom.inPerGroup() : channels.length);
                    for (int kh = 0; kh < geom.kH(); kh++) {
                        for (int kw = 0; kw < geom.kW(); kw++) {
                            for (int j = 0; j < n; j++) {
                                int ci = geom.depthwise() ? 0 : (channels == null ? j : channels[j]);
                                putF(a, wsOff + 4 * ((kh * geom.kW() + kw) * n + j), rawK[geom.weightIndex(o, kh, kw, ci)]);
                            }
                        }
                    }
                    UpdateKernels.updateConvWeightChannel(a, wsOff, geom, o, channels, w2, master2, div[o], lr,
                            RoundingMode.FLOAT_MASTER, 0);
                }
                assertBits(afterK, master2, param + " after (FLOAT_MASTER, per channel)");
                assertArrayEquals(w, w2, param);
            }
            checked++;
        }
        assertTrue(checked >= 8, "too few conv parameters checked: " + checked);
    }

    // ================================================================ head + tail forward/backward

    /** Bump allocator over a test arena (16-byte aligned). */
    static final class Arena {
        final byte[] a = new byte[16 << 20];
        int top;

        int alloc(int bytes) {
            int off = top;
            top = (top + bytes + 15) & ~15;
            if (top > a.length) {
                throw new IllegalStateException("test arena too small");
            }
            return off;
        }
    }

    /** A saved forward activation: int8 NHWC at {@code off}, with the producer's clamp mask. */
    record Act(int off, int h, int w, int c, int maskOff) {
        int n() {
            return h * w * c;
        }
    }

    /** FORMAT.md 3.2, test-local (the forward kernels are another component); also writes the clamp mask. */
    private static Act convForward(Arena ar, Act x, Conv cv) {
        ConvGeom g = cv.geom;
        assertEquals(g.inH(), x.h());
        assertEquals(g.inC(), x.c());
        int n = g.outPositions() * g.outC();
        Act y = new Act(ar.alloc(n), g.outH(), g.outW(), g.outC(), ar.alloc((n + 7) / 8));
        byte[] a = ar.a;
        int ipg = g.inPerGroup(), opg = g.outPerGroup();
        for (int oy = 0; oy < g.outH(); oy++) {
            for (int ox = 0; ox < g.outW(); ox++) {
                for (int o = 0; o < g.outC(); o++) {
                    int acc = 0;
                    for (int kh = 0; kh < g.kH(); kh++) {
                        int iy = oy * g.strideH() + kh - g.padH();
                        if (iy < 0 || iy >= g.inH()) {
                            continue;
                        }
                        for (int kw = 0; kw < g.kW(); kw++) {
                            int ix = ox * g.strideW() + kw - g.padW();
                            if (ix < 0 || ix >= g.inW()) {
                                continue;
                            }
                            int base = x.off() + (iy * g.inW() + ix) * g.inC();
                            if (g.depthwise()) {
                                acc += (a[base + o] - cv.xZero) * cv.weight[g.weightIndex(o, kh, kw, 0)];
                            } else {
                                int c0 = (o / opg) * ipg;
                                for (int i = 0; i < ipg; i++) {
                                    acc += (a[base + c0 + i] - cv.xZero) * cv.weight[g.weightIndex(o, kh, kw, i)];
                                }
                            }
                        }
                    }
                    float t = (float) acc + (float) cv.bias[o];
                    float v = (float) Math.rint(t * cv.eff[o]);
                    float pre = v + (float) cv.yZero;
                    int idx = (oy * g.outW() + ox) * g.outC() + o;
                    setBit(a, y.maskOff(), idx, pre >= -128.0f && pre <= 127.0f);
                    a[y.off() + idx] = (byte) Math.max(-128.0f, Math.min(127.0f, pre));
                }
            }
        }
        return y;
    }

    /** FORMAT.md 3.3 residual add, with its clamp mask. */
    private static Act addForward(Arena ar, Act x1, Act x2, float s1, int z1, float s2, int z2, float sy, int zy) {
        int n = x1.n();
        Act y = new Act(ar.alloc(n), x1.h(), x1.w(), x1.c(), ar.alloc((n + 7) / 8));
        byte[] a = ar.a;
        for (int i = 0; i < n; i++) {
            float p = (float) (a[x1.off() + i] - z1) * s1;
            float q = (float) (a[x2.off() + i] - z2) * s2;
            float v = (float) Math.rint((p + q) / sy);
            float pre = v + (float) zy;
            setBit(a, y.maskOff(), i, pre >= -128.0f && pre <= 127.0f);
            a[y.off() + i] = (byte) Math.max(-128.0f, Math.min(127.0f, pre));
        }
        return y;
    }

    private static final Pattern BLOCK = Pattern.compile("blocks\\[(\\d+)]");

    private static int blockOf(String path) {
        Matcher mm = BLOCK.matcher(path);
        return mm.find() ? Integer.parseInt(mm.group(1)) : -1;
    }

    /** What one block saved in the forward. */
    static final class BlockRun {
        Conv pw1, dw, pw2;
        Act in, pw1Out, dwOut, pw2Out, out;
        float s1, s2, sy;
    }

    /** Deliberate reproductions of TTE's backward bugs (TTE-FACTS C.2, C.6), for the negative control. */
    enum Variant {
        /** tinytrain's rules. */
        CORRECT,
        /** the residual skip gradient is overwritten instead of summed. */
        DROP_SKIP_GRADIENT,
        /** dW computed from x instead of x - x_zero. */
        NO_X_ZERO_IN_DW
    }

    /** Gradients and fused FLOAT_MASTER results of one tail run. */
    record TailResult(Blob golden, Map<String, float[]> grads, Map<String, float[]> fusedAfter, float lr) {
    }

    @ParameterizedTest(name = "{0} train_{1}")
    @MethodSource("cases")
    void headAndTailBackwardMatch(String model, String index) {
        TailResult t = runTail(model, index, Variant.CORRECT);
        Blob g = t.golden();
        int compared = 0;
        for (JsonNode u : g.index.get("updated")) {
            String param = u.get("param").asText();
            if (u.get("conv_index").isNull()) {
                continue;
            }
            float[] mine = t.grads().get(param);
            assertTrue(mine != null, "no gradient computed for " + param);
            float[] raw = g.f32(param + ".grad_raw");
            assertClose(raw, mine, 1e-5, model + " train_" + index + " " + param + " grad_raw");
            if (param.endsWith(".weight")) {
                // fused gradient + update vs after: |p - p_ref| <= lr * 1e-5 * max|g_qas| + 1 ulp(p)
                float[] after = g.f32(param + ".after");
                float[] mineAfter = t.fusedAfter().get(param);
                double tol = t.lr() * 1e-5 * maxAbs(g.f32(param + ".grad_qas"));
                for (int i = 0; i < after.length; i++) {
                    double d = Math.abs(mineAfter[i] - after[i]);
                    if (d > tol + Math.ulp(after[i])) {
                        throw new AssertionError(param + " fused after[" + i + "] " + mineAfter[i] + " vs " + after[i]);
                    }
                }
            }
            compared++;
        }
        assertTrue(compared >= 8, "compared only " + compared);
    }

    /**
     * Negative control: with TTE's two backward bugs reproduced, the same comparison fails clearly (so the
     * check above really covers skip accumulation and {@code x - x_zero}). mcunet-5fps updates parameters
     * below several residual blocks; mbv2's updated depthwise conv reads an input with x_zero = -128.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Variant.class, names = {"DROP_SKIP_GRADIENT", "NO_X_ZERO_IN_DW"})
    void tteBugsWouldBeCaught(Variant v) {
        TailResult t = runTail(v == Variant.DROP_SKIP_GRADIENT ? "mcunet-5fps" : "mbv2-w0.35", "0", v);
        double worst = 0;
        for (JsonNode u : t.golden().index.get("updated")) {
            String param = u.get("param").asText();
            if (u.get("conv_index").isNull()) {
                continue;
            }
            float[] raw = t.golden().f32(param + ".grad_raw");
            worst = Math.max(worst, maxAbsDiff(raw, t.grads().get(param)) / maxAbs(raw));
        }
        assertTrue(worst > 1e-2, v + " should break the gradients, worst relative error only " + worst);
    }

    private static TailResult runTail(String model, String index, Variant variant) {
        Blob m = Blob.model(shared.resolve("models").resolve(model));
        Blob g = Blob.golden(shared.resolve("golden").resolve(model).resolve("train_" + index + ".json"));
        Blob fwd = Blob.golden(shared.resolve("golden").resolve(model).resolve("forward_" + index + ".json"));
        float lr = (float) g.index.get("lr").asDouble();
        int label = g.i32("label")[0];
        JsonNode blocks = m.index.get("blocks");
        int nBlocks = blocks.size();

        // first block that holds an updated conv parameter
        int start = nBlocks;
        for (JsonNode u : g.index.get("updated")) {
            if (!u.get("conv_index").isNull()) {
                int b = blockOf(u.get("param").asText());
                assertTrue(b >= 0, "updates before blocks[0] are not covered by this test");
                start = Math.min(start, b);
            }
        }
        assertTrue(start < nBlocks);

        // ---- forward from the stored output of blocks[start-1]
        Arena ar = new Arena();
        JsonNode inRef = fwd.ref("blocks[" + (start - 1) + "]");
        int[] sh = Blob.shape(inRef);
        Act x = new Act(ar.alloc(sh[1] * sh[2] * sh[3]), sh[2], sh[3], sh[1], -1);
        System.arraycopy(GoldenFiles.nchwToNhwc(fwd.i8(inRef), sh[1], sh[2], sh[3]), 0, ar.a, x.off(), x.n());
        List<BlockRun> runs = new ArrayList<>();
        for (int b = start; b < nBlocks; b++) {
            JsonNode bd = blocks.get(b);
            BlockRun r = new BlockRun();
            r.in = x;
            Act t = x;
            if (!bd.get("pointwise1").isNull()) {
                r.pw1 = new Conv(m, "blocks[" + b + "].pointwise1");
                t = r.pw1Out = convForward(ar, t, r.pw1);
            }
            r.dw = new Conv(m, "blocks[" + b + "].depthwise");
            t = r.dwOut = convForward(ar, t, r.dw);
            r.pw2 = new Conv(m, "blocks[" + b + "].pointwise2");
            t = r.pw2Out = convForward(ar, t, r.pw2);
            if (!bd.get("residual").isNull()) {
                JsonNode rp = bd.get("residual").get("params");
                r.s1 = (float) rp.get("x_scale").asDouble();
                r.s2 = (float) r.pw2.yScale;
                r.sy = (float) rp.get("y_scale").asDouble();
                t = addForward(ar, x, t, r.s1, rp.get("x_zero").asInt(), r.s2, r.pw2.yZero, r.sy, rp.get("y_zero").asInt());
            }
            r.out = t;
            byte[] want = fwd.i8("blocks[" + b + "]");
            byte[] got = new byte[t.n()];
            System.arraycopy(ar.a, t.off(), got, 0, got.length);
            assertArrayEquals(GoldenFiles.nchwToNhwc(want, t.c(), t.h(), t.w()), got, "forward blocks[" + b + "]");
            runs.add(r);
            x = t;
        }
        // average pool
        int C = x.c(), HW = x.h() * x.w();
        byte[] pooled = new byte[C];
        for (int c = 0; c < C; c++) {
            int s = 0;
            for (int p = 0; p < HW; p++) {
                s += ar.a[x.off() + p * C + c];
            }
            pooled[c] = (byte) Math.rint((float) s / (float) HW);
        }
        assertArrayEquals(g.i8("avgpool"), pooled, "avgpool");

        // ---- head: logits, loss, gradients, update
        JsonNode cls = m.index.get("classifier").get("params");
        float xs = (float) cls.get("x_scale").asDouble();
        int xz = cls.get("x_zero").asInt();
        float[] w = g.f32("head.weight.init");
        float[] bias = g.f32("head.bias.init");
        int K = bias.length;
        int featOff = ar.alloc(4 * C), logitsOff = ar.alloc(4 * K), dOff = ar.alloc(4 * K);
        float[] logits = new float[K];
        for (int c = 0; c < C; c++) {
            putF(ar.a, featOff + 4 * c, (float) (pooled[c] - xz) * xs);
        }
        for (int j = 0; j < K; j++) {
            float acc = 0.0f;
            for (int c = 0; c < C; c++) {
                acc = acc + getF(ar.a, featOff + 4 * c) * w[j * C + c];
            }
            logits[j] = acc + bias[j];
        }
        float[] goldLogits = g.f32("logits");
        assertTrue(maxAbsDiff(goldLogits, logits) <= 1e-5, "logits");
        putF(ar.a, logitsOff, logits);
        float loss = LossKernels.softmaxCrossEntropy(ar.a, logitsOff, K, label, dOff);
        float goldLoss = g.f32("loss")[0];
        assertEquals(goldLoss, loss, 1e-6 * Math.abs(goldLoss), "loss");
        assertEquals((float) g.index.get("loss").asDouble(), goldLoss);

        int dwHeadOff = ar.alloc(4 * K * C), dbHeadOff = ar.alloc(4 * K);
        BackwardKernels.linearWeightGrad(ar.a, dOff, featOff, K, C, dwHeadOff);
        System.arraycopy(ar.a, dOff, ar.a, dbHeadOff, 4 * K); // db = g: the IR reshapes the logits' gradient
        assertClose(g.f32("head.weight.grad_raw"), getF(ar.a, dwHeadOff, K * C), 1e-5, "head.weight grad_raw");
        assertClose(g.f32("head.bias.grad_raw"), getF(ar.a, dbHeadOff, K), 1e-5, "head.bias grad_raw");
        // head update (no QAS) from the golden gradient is bit exact
        assertBits(g.f32("head.weight.grad_raw"), g.f32("head.weight.grad_qas"), "head has no QAS");
        int gq = ar.alloc(4 * K * C);
        putF(ar.a, gq, g.f32("head.weight.grad_qas"));
        float[] wAfter = w.clone();
        UpdateKernels.sgdFloat(wAfter, 0, ar.a, gq, K * C, lr);
        assertBits(g.f32("head.weight.after"), wAfter, "head.weight after");
        putF(ar.a, gq, g.f32("head.bias.grad_qas"));
        float[] bAfter = bias.clone();
        UpdateKernels.sgdFloat(bAfter, 0, ar.a, gq, K, lr);
        assertBits(g.f32("head.bias.after"), bAfter, "head.bias after");

        // ---- backward into the body: head input grad (pre-update weights), dequantize, pool
        int dFeat = ar.alloc(4 * C);
        BackwardKernels.linearInputGrad(ar.a, dOff, w, K, C, dFeat);
        BackwardKernels.dequantizeBackward(ar.a, dFeat, C, xs, dFeat);
        int gOut = ar.alloc(4 * x.n());
        BackwardKernels.avgPoolBackward(ar.a, dFeat, x.h(), x.w(), C, gOut, false);

        Map<String, float[]> grads = new HashMap<>();
        Map<String, float[]> fusedAfter = new HashMap<>();
        for (int k = runs.size() - 1; k >= 0; k--) {
            BlockRun r = runs.get(k);
            boolean last = k == 0;
            int gBranch = gOut;
            int gIn = -1;
            if (r.s1 != 0) {
                BackwardKernels.applyClampMask(ar.a, gOut, r.out.maskOff(), r.out.n());
                gIn = last ? -1 : ar.alloc(4 * r.in.n());
                gBranch = ar.alloc(4 * r.out.n());
                BackwardKernels.addBackward(ar.a, gOut, r.out.n(), r.sy, r.s1, r.s2, gIn, gBranch);
                if (variant == Variant.DROP_SKIP_GRADIENT && gIn >= 0) {
                    java.util.Arrays.fill(ar.a, gIn, gIn + 4 * r.in.n(), (byte) 0);
                }
            }
            int gx = convBackward(ar, g, r.pw2, r.dwOut, r.pw2Out, gBranch, -1, true, grads, fusedAfter, lr, variant);
            boolean needBelowDw = r.pw1 != null || !last;
            gx = convBackward(ar, g, r.dw, r.pw1 != null ? r.pw1Out : r.in, r.dwOut, gx,
                    r.pw1 == null && gIn >= 0 ? gIn : -1, needBelowDw, grads, fusedAfter, lr, variant);
            if (r.pw1 != null) {
                gx = convBackward(ar, g, r.pw1, r.in, r.pw1Out, gx, gIn, !last, grads, fusedAfter, lr, variant);
            }
            gOut = gIn >= 0 ? gIn : gx;
        }

        return new TailResult(g, grads, fusedAfter, lr);
    }

    /**
     * Backward through one conv: mask + scale, bias/weight gradients if the golden has them (weights: fused
     * per-channel gradient and FLOAT_MASTER update as well), then the input gradient if needed.
     *
     * @return byte offset of dx (or -1)
     */
    private static int convBackward(Arena ar, Blob g, Conv cv, Act in, Act out, int gOff, int accumulateInto,
                                    boolean needDx, Map<String, float[]> grads, Map<String, float[]> fusedAfter,
                                    float lr, Variant variant) {
        int xZero = variant == Variant.NO_X_ZERO_IN_DW ? 0 : cv.xZero;
        ConvGeom geom = cv.geom;
        BackwardKernels.maskAndScaleOutputGrad(ar.a, gOff, out.maskOff(), cv.eff, geom.outPositions(), geom.outC(), gOff);
        String bias = cv.path + ".params.bias";
        if (g.has(bias + ".grad_raw")) {
            int db = ar.alloc(4 * geom.outC());
            BackwardKernels.convBiasGrad(ar.a, gOff, geom.outPositions(), geom.outC(), db);
            grads.put(bias, getF(ar.a, db, geom.outC()));
        }
        String weight = cv.path + ".params.weight";
        if (g.has(weight + ".grad_raw")) {
            int[] channels = keptChannels(g, weight);
            int dwOff = ar.alloc(4 * geom.weightCount());
            BackwardKernels.convWeightGrad(ar.a, in.off(), xZero, gOff, geom, channels, dwOff);
            float[] k = getF(ar.a, dwOff, geom.weightCount());
            // back to OIHW for the comparison
            float[] oihw = new float[k.length];
            int ipg = geom.depthwise() ? 1 : geom.inPerGroup();
            for (int o = 0; o < geom.outC(); o++) {
                for (int i = 0; i < ipg; i++) {
                    for (int kh = 0; kh < geom.kH(); kh++) {
                        for (int kw = 0; kw < geom.kW(); kw++) {
                            oihw[((o * ipg + i) * geom.kH() + kh) * geom.kW() + kw] = k[geom.weightIndex(o, kh, kw, i)];
                        }
                    }
                }
            }
            grads.put(weight, oihw);
            // fused: per output channel gradient into a workspace, update right away (FLOAT_MASTER)
            float[] master = UpdateKernels.masterOf(cv.weight);
            byte[] w8 = cv.weight.clone();
            float[] div = UpdateKernels.qasWeightDivisors(cv.eff, cv.yScale, cv.xScale);
            int ws = ar.alloc(4 * geom.channelWorkspaceFloats(channels));
            for (int o = 0; o < geom.outC(); o++) {
                if (geom.depthwise() && channels != null && java.util.Arrays.binarySearch(channels, o) < 0) {
                    continue;
                }
                BackwardKernels.convWeightGradChannel(ar.a, in.off(), xZero, gOff, geom, o, channels, ws);
                UpdateKernels.updateConvWeightChannel(ar.a, ws, geom, o, channels, w8, master, div[o], lr,
                        RoundingMode.FLOAT_MASTER, 0);
            }
            float[] masterOihw = new float[master.length];
            for (int o = 0; o < geom.outC(); o++) {
                for (int i = 0; i < ipg; i++) {
                    for (int kh = 0; kh < geom.kH(); kh++) {
                        for (int kw = 0; kw < geom.kW(); kw++) {
                            masterOihw[((o * ipg + i) * geom.kH() + kh) * geom.kW() + kw] = master[geom.weightIndex(o, kh, kw, i)];
                        }
                    }
                }
            }
            fusedAfter.put(weight, masterOihw);
        }
        if (accumulateInto >= 0) {
            BackwardKernels.convInputGrad(ar.a, gOff, cv.weight, geom, accumulateInto, true);
            return accumulateInto;
        }
        if (!needDx) {
            return -1;
        }
        int dx = ar.alloc(4 * in.n());
        BackwardKernels.convInputGrad(ar.a, gOff, cv.weight, geom, dx, false);
        return dx;
    }
}
