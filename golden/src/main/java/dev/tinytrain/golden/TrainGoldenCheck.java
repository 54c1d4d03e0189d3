package dev.tinytrain.golden;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.Presets;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;

/**
 * Runs one training step of a {@code train_step} golden on a {@link GoldenBackend} and compares, with the golden README's tolerances: the
 * pooled feature (exact), logits (abs 1e-5), loss (rel 1e-6), and for every updated parameter {@code grad_raw}
 * and {@code grad_qas} (within {@code 1e-5 * max|g_ref|}) and {@code after} (FLOAT_MASTER: within
 * {@code lr * 1e-5 * max|g_ref| + 1 ulp}; NEAREST_EVEN: the int8/int32 value equals round-half-even of the golden
 * value away from .5 ties; STOCHASTIC: within one integer step), plus the trainable channels against
 * {@code keep_mask} and every frozen parameter unchanged.
 */
public final class TrainGoldenCheck {
    private TrainGoldenCheck() {
    }

    /**
     * What to run.
     *
     * @param modelDir the model folder
     * @param rounding int8/int32 update rounding: {@code float_master}, {@code nearest_even} or {@code stochastic}
     * @param policy the sparse-update policy
     * @param schemeName what to call the policy in reports
     */
    public record Setup(Path modelDir, String rounding, SparseUpdatePolicy policy, String schemeName) {
        /** A setup with a preset scheme. */
        public static Setup preset(Path modelDir, String rounding, String scheme) {
            return new Setup(modelDir, rounding, Presets.get(scheme), scheme);
        }
    }

    /** {@link #run(GoldenFile, Setup, GoldenBackend)} on the JVM backend. */
    public static List<TensorComparison> run(GoldenFile golden, Setup setup) {
        return run(golden, setup, GoldenBackend.jvm());
    }

    /**
     * Compiles the golden's step with {@link Compiler#compileUnchecked} (the golden's head, learning rate and
     * scheme; QAS; seed 0), runs that compiled step (fused updates, planned arena) on {@code backend} and compares
     * its loss, updated parameters, master copies, trainable channels and frozen parameters with the golden. The
     * intermediate values the golden also stores (pooled feature, logits, weight gradients before and after QAS)
     * do not exist in the compiled step (fusion removes the weight gradients; the plan reuses the other buffers),
     * so they are read from the same step before fusion ({@link Compiler#prunedStep}) run with every value kept,
     * and that run must equal the compiled one bit for bit.
     */
    public static List<TensorComparison> run(GoldenFile golden, Setup setup, GoldenBackend backend) {
        float[] w0 = golden.tensor("head.weight.init").float32();
        float[] b0 = golden.tensor("head.bias.init").float32();
        ImportedModel m = McuModelImporter.load(setup.modelDir(), 128, HeadSpec.transfer(w0, b0));
        float lr = (float) golden.header().path("lr").asDouble();
        CompileOptions options = new CompileOptions(setup.policy(), setup.schemeName(),
                TrainingOptions.of(lr, setup.rounding()), true, true, MemoryPlan.DEFAULT_ALIGNMENT);
        CompiledModel compiled = Compiler.compileUnchecked(m.graph(), Target.HOST, options);
        TrainingGraph tg = Compiler.prunedStep(m.graph(), options);
        Graph g = tg.graph();
        Map<String, Value> taps = new LinkedHashMap<>();
        taps.put("avgpool", m.tap("avgpool"));
        taps.put("logits", tg.logitsValue());
        for (String param : tg.gradients().keySet()) {
            taps.put(GRAD + param, tg.gradient(param));
        }
        int label = golden.tensor("label").int32()[0];
        byte[] input = golden.tensor("input").int8Nhwc();
        GoldenBackend.TrainResult observed = backend.trainStep(tg, input, label, taps);
        GoldenBackend.TrainResult r = backend.trainCompiled(compiled, input, label);

        List<TensorComparison> out = new ArrayList<>();
        out.add(sameStep(compiled, observed, r));
        GoldenTensor pooled = golden.tensor("avgpool");
        out.add(TensorComparison.exactInt8(pooled, pooled.int8Nhwc(), observed.taps().get("avgpool")));
        out.add(TensorComparison.absolute(golden.tensor("logits"), golden.tensor("logits").float32(),
                floats(observed.taps().get("logits")), 1e-5));
        out.add(TensorComparison.relative(golden.tensor("loss"), golden.tensor("loss").float32()[0], r.loss(), 1e-6));
        for (String param : tg.gradients().keySet()) {
            out.addAll(compareParameter(golden, tg, observed, r, param, lr, setup.rounding()));
        }
        out.add(frozenUnchanged(g, tg, r.parameters()));
        return out;
    }

    /**
     * The compiled step (fused, planned) against the unfused step with every value kept: the loss and every
     * parameter and master copy after the step, bit for bit.
     */
    private static TensorComparison sameStep(CompiledModel compiled, GoldenBackend.TrainResult observed,
                                             GoldenBackend.TrainResult compiledRun) {
        long differing = 0;
        long count = 2;
        if (Float.floatToRawIntBits(observed.loss()) != Float.floatToRawIntBits(compiledRun.loss())) {
            differing++;
        }
        for (Parameter p : compiled.step().graph().parameters()) {
            count++;
            if (!Objects.deepEquals(observed.parameters().get(p.name()), compiledRun.parameters().get(p.name()))) {
                differing++;
            }
        }
        if (!observed.masters().keySet().equals(compiledRun.masters().keySet())
                || observed.masters().keySet().stream().anyMatch(k -> !Arrays.equals(observed.masters().get(k),
                compiledRun.masters().get(k)))) {
            differing++;
        }
        return new TensorComparison("compiled step (fused updates, planned arena " + compiled.plan().arenaBytes()
                + " B) = unfused step", "-", "[loss, " + (count - 2) + " parameters, masters]", differing, differing,
                count, "bit for bit", true);
    }

    private static final String GRAD = "grad:";

    static float[] floats(byte[] b) {
        java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] f = new float[fb.remaining()];
        fb.get(f);
        return f;
    }

    private static List<TensorComparison> compareParameter(GoldenFile golden, TrainingGraph tg,
                                                           GoldenBackend.TrainResult observed,
                                                           GoldenBackend.TrainResult r, String param, float lr,
                                                           String rounding) {
        List<TensorComparison> out = new ArrayList<>();
        Graph g = tg.graph();
        Parameter p = g.parameter(param).orElseThrow();
        GoldenTensor rawRef = golden.tensors().get(param + ".grad_raw");
        if (rawRef == null) {
            out.add(new TensorComparison(param, "-", "-", 0, 1, 1, "golden does not update it", true));
            return out;
        }
        Node update = g.nodes().stream().filter(n -> n.name().equals("update:" + param)).findFirst().orElseThrow();
        SgdUpdate op = (SgdUpdate) update.op();
        List<Integer> channels = p.trainability().channels();
        float[] grad = toGoldenLayout(p.value(), floats(observed.taps().get(GRAD + param)), channels, rawRef, true);
        float gmax = maxAbs(rawRef.float32());
        out.add(TensorComparison.absolute(rawRef, rawRef.float32(), grad, 1e-5 * gmax));
        GoldenTensor qasRef = golden.tensors().get(param + ".grad_qas");
        float[] gq = grad.clone();
        if (!op.qasDivisors().isEmpty()) {
            int perChannel = gq.length / op.qasDivisors().size();
            for (int i = 0; i < gq.length; i++) {
                gq[i] = gq[i] / op.qasDivisors().get(i / perChannel);
            }
        }
        if (qasRef != null) {
            out.add(TensorComparison.absolute(qasRef, qasRef.float32(), gq, 1e-5 * maxAbs(qasRef.float32())));
        }
        GoldenTensor afterRef = golden.tensor(param + ".after");
        float[] ref = afterRef.float32();
        DType t = p.value().type().dtype();
        if (t == DType.FLOAT32) {
            float[] now = (float[]) r.parameters().get(param);
            out.add(afterWithin(afterRef, ref, now, lr * 1e-5 * maxAbs(qasRef != null ? qasRef.float32() : grad)));
        } else if (rounding.equals("float_master")) {
            float[] now = toGoldenLayout(p.value(), r.masters().get(param), List.of(), afterRef, false);
            out.add(afterWithin(afterRef, ref, now, lr * 1e-5 * maxAbs(qasRef != null ? qasRef.float32() : grad)));
        } else {
            float[] now = t == DType.INT8
                    ? toGoldenLayout(p.value(), toFloats((byte[]) r.parameters().get(param)), List.of(), afterRef, false)
                    : toFloats((int[]) r.parameters().get(param));
            out.add(roundedAfter(afterRef, ref, now, rounding, t == DType.INT8));
        }
        GoldenTensor keep = golden.tensors().get(param + ".keep_mask");
        if (keep != null) {
            byte[] mask = keep.int8();
            byte[] ours = new byte[mask.length];
            channels.forEach(c -> ours[c] = 1);
            out.add(TensorComparison.exactInt8(keep, mask, ours));
        }
        return out;
    }

    /**
     * Converts an IR-layout tensor to the golden's OIHW layout: a gradient in the compact layout of
     * {@code ConvGradWeight} ({@code [O][KH][KW][k]} dense, {@code [k][KH][KW]} depthwise, k = trainable
     * channels), or a parameter in its own layout (OHWI, {@code [1][KH][KW][C]}). Untrained channels stay 0.
     */
    static float[] toGoldenLayout(Value param, float[] v, List<Integer> channels, GoldenTensor ref,
                                  boolean gradient) {
        if (param.type().shape().rank() != 4) {
            return v;
        }
        List<Integer> gs = ref.shape();
        int o = gs.get(0);
        int in = gs.get(1);
        int kh = gs.get(2);
        int kw = gs.get(3);
        float[] out = new float[o * in * kh * kw];
        List<Integer> ch = gradient ? channels : List.of();
        if (param.type().layout() == Layout.DEPTHWISE) {
            int k = ch.isEmpty() ? o : ch.size();
            for (int j = 0; j < k; j++) {
                int c = ch.isEmpty() ? j : ch.get(j);
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        out[(c * kh + y) * kw + x] = gradient ? v[(j * kh + y) * kw + x] : v[(y * kw + x) * o + c];
                    }
                }
            }
            return out;
        }
        int k = ch.isEmpty() ? in : ch.size();
        for (int oc = 0; oc < o; oc++) {
            for (int y = 0; y < kh; y++) {
                for (int x = 0; x < kw; x++) {
                    for (int j = 0; j < k; j++) {
                        int ic = ch.isEmpty() ? j : ch.get(j);
                        out[((oc * in + ic) * kh + y) * kw + x] = v[((oc * kh + y) * kw + x) * k + j];
                    }
                }
            }
        }
        return out;
    }

    private static TensorComparison afterWithin(GoldenTensor ref, float[] expected, float[] actual, double tol) {
        long bad = 0;
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            max = Math.max(max, d);
            if (d > tol + Math.ulp(expected[i])) {
                bad++;
            }
        }
        return new TensorComparison(ref.name(), ref.dtype(), ref.shape().toString(), max, bad, expected.length,
                String.format(Locale.ROOT, "<= %.3g + 1 ulp", tol), true);
    }

    /**
     * int8/int32 storage after the update. The numerics contract saturates int8 weights to the symmetric range
     * [-127, 127] (the authors' float master can step outside it), so the golden value is clamped to that range
     * before it is compared.
     */
    private static TensorComparison roundedAfter(GoldenTensor ref, float[] expected, float[] actual, String rounding,
                                                 boolean int8) {
        long bad = 0;
        long compared = 0;
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            float e = int8 ? Math.max(-127f, Math.min(127f, expected[i])) : expected[i];
            double frac = Math.abs(e - Math.floor(e) - 0.5);
            double d = Math.abs(Math.rint(e) - actual[i]);
            max = Math.max(max, d);
            if (rounding.equals("stochastic")) {
                compared++;
                if (Math.abs((double) e - actual[i]) >= 1.0) {
                    bad++;
                }
            } else if (frac > 1e-3) {
                compared++;
                if (d != 0) {
                    bad++;
                }
            }
        }
        return new TensorComparison(ref.name(), ref.dtype(), ref.shape().toString(), max, bad, compared,
                rounding.equals("stochastic") ? "|after - ours| < 1" : "rne(after) away from ties", true);
    }

    private static TensorComparison frozenUnchanged(Graph g, TrainingGraph tg, Map<String, Object> after) {
        long changed = 0;
        long count = 0;
        for (Parameter p : g.parameters()) {
            if (tg.gradients().containsKey(p.name())) {
                continue;
            }
            count++;
            Object b = after.get(p.name());
            boolean same = switch (p.value().type().dtype()) {
                case INT8 -> Arrays.equals(p.data().toInt8(), (byte[]) b);
                case INT32 -> Arrays.equals(p.data().toInt32(), (int[]) b);
                default -> Arrays.equals(p.data().toFloat32(), (float[]) b);
            };
            if (!same) {
                changed++;
            }
        }
        return new TensorComparison("frozen parameters unchanged", "-", "[" + count + "]", changed, changed, count,
                "exact", true);
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    private static float[] toFloats(byte[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = b[i];
        }
        return f;
    }

    private static float[] toFloats(int[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = b[i];
        }
        return f;
    }
}
