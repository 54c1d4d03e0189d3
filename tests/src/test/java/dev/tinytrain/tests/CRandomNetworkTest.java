package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.c.CEmitter;
import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.planner.ArenaLayout;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random inverted-residual networks with random sparse-update policies (dense and depthwise weights trained on all
 * or half of their channels, so split weights of both layouts occur): the emitted C equals the JVM byte for byte
 * -- losses, trainable state, logits -- both for the compiled step (fused updates, planned arena with in-place
 * buffers) and for the unfused step on the trivial layout (which exercises the op kinds the fused step replaces:
 * sgd_update on every parameter kind, conv_grad_weight, conv_grad_bias, linear_grad_weight), in every rounding mode;
 * half of them also under AddressSanitizer + UBSan.
 */
@Execution(ExecutionMode.CONCURRENT)
class CRandomNetworkTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final Set<OpKind> SEEN = java.util.Collections.synchronizedSet(EnumSet.noneOf(OpKind.class));
    private static final int SEEDS = 9;
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9})
    void emittedCEqualsTheJvm(int seed) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        Random r = new Random(seed);
        Graph g = randomNetwork(r);
        int convs = Compiler.convOrder(g).size();
        int window = Math.min(convs, 2 + r.nextInt(convs));
        SparseUpdatePolicy.Builder pb = SparseUpdatePolicy.builder().biasWindow(window);
        for (int idx = convs - window; idx < convs; idx++) {
            if (r.nextInt(3) > 0) {
                pb.weight(idx, r.nextBoolean() ? ChannelSelection.all()
                        : ChannelSelection.ratio(0.5, r.nextBoolean() ? ChannelSelection.Rule.FIRST_K
                                : ChannelSelection.Rule.MAGNITUDE));
            }
        }
        String rounding = new String[] {"nearest_even", "stochastic", "float_master"}[seed % 3];
        CompileOptions o = new CompileOptions(pb.build(), "random", new TrainingOptions(0.05f, 0.02f, rounding,
                seed % 2 == 0, seed), true, true, MemoryPlan.DEFAULT_ALIGNMENT);
        CompiledModel fused = Compiler.compileUnchecked(g, Target.HOST, o);
        CompiledModel unfused = Compiler.compileUnchecked(g, Target.HOST, o.withFuseUpdates(false));

        int pixels = (int) g.inputs().get(0).type().elementCount();
        byte[][] images = new byte[4][pixels];
        int[] labels = new int[4];
        for (int s = 0; s < 4; s++) {
            r.nextBytes(images[s]);
            labels[s] = r.nextInt(3);
        }
        byte[] probe = new byte[pixels];
        r.nextBytes(probe);

        compare(fused.step(), fused.plan().layout(), fused.newSession(), seed, images, labels, probe, seed % 2 == 1);
        TrainingGraph u = unfused.step();
        ArenaLayout seq = ArenaLayout.sequential(u.graph(), 4);
        compare(u, seq, new TrainingSession(u, seq, seed), seed, images, labels, probe, false);
        RUNS.incrementAndGet();
    }

    private static void compare(TrainingGraph step, ArenaLayout layout, TrainingSession jvm, int seed,
                                byte[][] images, int[] labels, byte[] probe, boolean sanitized) {
        step.graph().nodes().forEach(n -> SEEN.add(n.op().kind()));
        CModel m = CEmitter.training(step, step.graph().nodes(), layout, seed, Map.of(),
                new CEmitter.Provenance("random", "-", "random", "test", seed, "test", "host", 4096, CEmitter.VERSION));
        CModelRunner.Commands cmds = new CModelRunner.Commands();
        float[] losses = new float[images.length];
        for (int s = 0; s < images.length; s++) {
            losses[s] = jvm.trainStep(images[s], labels[s]);
            cmds.train(images[s], labels[s]);
        }
        cmds.saveState().infer(probe);
        byte[] state = CTrainingEquivalenceTest.encode(m.state(), jvm, step.graph(), seed);
        float[] logits = jvm.infer(probe);
        var folder = CModelRunner.materialize(m, CTestSupport.CACHE);
        for (CModelRunner.Platform p : sanitized ? List.of(CModelRunner.Platform.HOST,
                CModelRunner.Platform.HOST_SANITIZED) : List.of(CModelRunner.Platform.HOST)) {
            CModelRunner.Results res = CTestSupport.build(folder, p).run(cmds, TIMEOUT);
            for (int s = 0; s < losses.length; s++) {
                assertEquals(Float.floatToRawIntBits(losses[s]), Float.floatToRawIntBits(res.losses().get(s)),
                        p + " loss " + s);
            }
            assertArrayEquals(state, res.lastState(), p + ": trainable state");
            float[] c = res.of('I').get(0).logits();
            for (int k = 0; k < c.length; k++) {
                assertEquals(Float.floatToRawIntBits(logits[k]), Float.floatToRawIntBits(c[k]), p + " logit " + k);
            }
        }
    }

    /** After every seed ran: together they emitted every op kind of the IR. */
    @AfterAll
    static void theSeedsCoverEveryOpKind() {
        if (RUNS.get() < SEEDS) {
            return; // a subset ran (or tools were missing)
        }
        EnumSet<OpKind> missing = EnumSet.complementOf(EnumSet.copyOf(SEEN));
        assertTrue(missing.isEmpty(), "op kinds no random network emitted: " + missing);
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
