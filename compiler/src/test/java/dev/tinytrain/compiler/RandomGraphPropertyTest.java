package dev.tinytrain.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.planner.ArenaLayout;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.planner.OverlapChecker;
import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random inverted-residual networks with random sparse-update policies: every plan passes the independent
 * checker, and the fused, reordered step on the planned arena (with in-place buffers) trains bit-identically to
 * the unfused step on the trivial layout, in every rounding mode.
 */
class RandomGraphPropertyTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void plannedFusedStepEqualsUnfusedStep(int seed) {
        Random r = new Random(seed);
        Graph g = randomNetwork(r);
        int convs = Compiler.convOrder(g).size();
        SparseUpdatePolicy.Builder pb = SparseUpdatePolicy.builder().biasWindow(1 + r.nextInt(convs));
        int window = Math.min(convs, 1 + r.nextInt(convs));
        pb.biasWindow(window);
        for (int idx = convs - window; idx < convs; idx++) {
            if (r.nextBoolean()) {
                pb.weight(idx, r.nextBoolean() ? ChannelSelection.all()
                        : ChannelSelection.ratio(0.5, r.nextBoolean() ? ChannelSelection.Rule.FIRST_K
                                : ChannelSelection.Rule.MAGNITUDE));
            }
        }
        String rounding = new String[] {"nearest_even", "stochastic", "float_master"}[seed % 3];
        CompileOptions o = new CompileOptions(pb.build(), "random", new TrainingOptions(0.05f, 0.02f, rounding,
                seed % 2 == 0, seed), true, true, MemoryPlan.DEFAULT_ALIGNMENT);
        CompiledModel fused = Compiler.compileUnchecked(g, Target.HOST, o);
        MemoryPlan plan = fused.plan();
        OverlapChecker.check(plan.lifetimes().buffers(), plan.result().placement(), plan.layout().alignment());
        assertTrue(plan.arenaBytes() >= plan.lowerBoundBytes());
        CompiledModel unfused = Compiler.compileUnchecked(g, Target.HOST, o.withFuseUpdates(false));
        TrainingSession a = fused.newSession();
        TrainingSession b = new TrainingSession(unfused.step(), ArenaLayout.sequential(unfused.step().graph(), 4), seed);
        int pixels = (int) g.inputs().get(0).type().elementCount();
        for (int step = 0; step < 4; step++) {
            byte[] in = new byte[pixels];
            r.nextBytes(in);
            int label = r.nextInt(3);
            assertEquals(b.trainStep(in, label), a.trainStep(in, label), "loss at step " + step);
        }
        float[] head0 = g.parameter("head.weight").orElseThrow().data().toFloat32();
        assertTrue(!Arrays.equals(head0, (float[]) a.parameters().get("head.weight")), "training changed the head");
        for (Parameter p : g.parameters()) {
            Object x = a.parameters().get(p.name());
            Object y = b.parameters().get(p.name());
            if (x instanceof byte[] xb) {
                assertArrayEquals((byte[]) y, xb, p.name());
            } else {
                assertTrue(Arrays.equals((float[]) x, (float[]) y), p.name());
            }
        }
    }

    /** first conv, then 2-4 blocks (pointwise expand, depthwise k 3/5/7 stride 1/2, project, residual). */
    static Graph randomNetwork(Random r) {
        GraphBuilder b = new GraphBuilder("random");
        int res = 8 + r.nextInt(9);
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, res, res, 3), Layout.NHWC,
                Quantization.perTensor(2.0 / 255, 0)));
        x = conv(b, r, "c0", x, 4 + r.nextInt(5), 3, 1 + r.nextInt(2), 1, -128);
        int blocks = 2 + r.nextInt(3);
        for (int i = 0; i < blocks; i++) {
            int c = x.type().shape().dim(3);
            int e = c * (2 + r.nextInt(3));
            Value h = conv(b, r, "b" + i + ".pw1", x, e, 1, 1, 1, -128);
            int k = new int[] {3, 5, 7}[r.nextInt(3)];
            int stride = r.nextInt(3) == 0 ? 2 : 1;
            h = conv(b, r, "b" + i + ".dw", h, e, k, stride, e, -128);
            boolean residual = stride == 1 && r.nextBoolean();
            int out = residual ? c : c + r.nextInt(4);
            h = conv(b, r, "b" + i + ".pw2", h, out, 1, 1, 1, r.nextInt(21) - 10);
            if (residual) {
                h = b.add("b" + i, new QuantizedAdd(Quantization.perTensor(0.03 + r.nextDouble() * 0.02,
                        r.nextInt(11) - 5)), x, h);
            }
            x = h;
        }
        Value pool = b.add("avgpool", new GlobalAvgPool(), x);
        int c = pool.type().shape().dim(3);
        Value flat = b.add("flatten", new Reshape(Shape.of(1, c), Layout.ROW_MAJOR), pool);
        Value feat = b.add("feature", new Dequantize(), flat);
        float[] w = new float[3 * c];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.3);
        }
        Value hw = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(3, c), Layout.ROW_MAJOR),
                TensorData.ofFloat32(w));
        Value hb = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(3), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[3]));
        return b.output(b.add("logits", new Linear(), feat, hw, hb)).build();
    }

    private static Value conv(GraphBuilder b, Random r, String name, Value in, int cout, int k, int stride,
                              int groups, int yZero) {
        int cin = in.type().shape().dim(3);
        boolean dw = groups > 1;
        float[] scales = new float[cout];
        for (int i = 0; i < cout; i++) {
            scales[i] = (float) (0.002 + r.nextDouble() * 0.01);
        }
        TensorType wt = dw
                ? TensorType.quantized(DType.INT8, Shape.of(1, k, k, cout), Layout.DEPTHWISE,
                        Quantization.perChannel(scales, 3))
                : TensorType.quantized(DType.INT8, Shape.of(cout, k, k, cin), Layout.OHWI,
                        Quantization.perChannel(scales, 0));
        byte[] w = new byte[(int) wt.elementCount()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(255) - 127);
        }
        int[] bias = new int[cout];
        for (int i = 0; i < cout; i++) {
            bias[i] = r.nextInt(2001) - 1000;
        }
        Value wv = b.parameter(name + ".params.weight", wt, TensorData.ofInt8(w));
        Value bv = b.parameter(name + ".params.bias", TensorType.of(DType.INT32, Shape.of(cout), Layout.ROW_MAJOR),
                TensorData.ofInt32(bias));
        double ys = 0.02 + r.nextDouble() * 0.03;
        return b.add(name, Conv2d.samePadding(k, stride, groups, Quantization.perTensor(ys, yZero)), in, wv, bv);
    }
}
