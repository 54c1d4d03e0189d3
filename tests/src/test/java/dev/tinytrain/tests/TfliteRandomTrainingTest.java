package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.c.CModelRunner;
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
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.ir.ops.TfliteAdd;
import dev.tinytrain.ir.ops.TfliteConcat;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.ops.TfliteMean;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.ir.ops.TflitePool;
import dev.tinytrain.ir.ops.TfliteQuantize;
import dev.tinytrain.ir.ops.TfliteRelu;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random chains of the TFLite op kinds, every parameter trained: geometries the shared models do not have (strided
 * and grouped convs with SAME's asymmetric padding, pools with padding and clamps, concatenation along the channels
 * and then along the height or width of a value with itself, means that keep or change the quantization, fully
 * connected layers below the head), in each rounding mode. Three training steps give the same losses, the same
 * trainable state and the same logits afterwards on the JVM and with host gcc, so every gradient kernel of the
 * imported ops is compared between the backends beyond the shapes of the shared models.
 */
class TfliteRandomTrainingTest {
    private static final int STEPS = 3;
    private static final Set<OpKind> SEEN = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final int SEEDS = 6;
    private static final List<String> ROUNDING = List.of("stochastic", "nearest_even", "float_master");
    /** The gradient kinds of the imported ops without a native counterpart: these chains must run them all. */
    static final Set<OpKind> GRADIENT_KINDS = EnumSet.of(OpKind.TFLITE_PAD_GRAD, OpKind.TFLITE_POOL_GRAD,
            OpKind.TFLITE_CONCAT_GRAD);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void threeStepsAgreeOnJvmAndHostC(long seed) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        Random r = new Random(seed);
        Graph g = chain(r);
        String rounding = ROUNDING.get((int) (seed % ROUNDING.size()));
        CompiledModel compiled = Compiler.compileUnchecked(g, Target.STM32F746, CompileOptions.preset("all", 1e-2f)
                .withTraining(new TrainingOptions(1e-2f, 5e-3f, rounding, true, 7)));
        compiled.step().graph().nodes().forEach(n -> SEEN.add(n.op().kind()));
        RUNS.incrementAndGet();
        int pixels = Math.toIntExact(g.inputs().get(0).type().elementCount());
        List<byte[]> inputs = new ArrayList<>();
        int[] labels = new int[STEPS];
        for (int s = 0; s < STEPS; s++) {
            byte[] img = new byte[pixels];
            r.nextBytes(img);
            inputs.add(img);
            labels[s] = r.nextInt(4);
        }
        byte[] probe = new byte[pixels];
        r.nextBytes(probe);
        TfliteTrainingEquivalenceTest.trainsIdentically("seed " + seed + " " + rounding, compiled, inputs, labels,
                probe, 7, List.of(CModelRunner.Platform.HOST));
    }

    /**
     * A float-input model (QUANTIZE at the input, as TFLite's converter makes it for float inputs): the step takes
     * the float32 input's little-endian bytes on both backends; the gradient stops at the QUANTIZE.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stochastic", "float_master"})
    void aFloatInputModelTrainsIdenticallyOnJvmAndHostC(String rounding) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        Random r = new Random(rounding.hashCode());
        GraphBuilder b = new GraphBuilder("float-input");
        Value x = b.input("input", TensorType.of(DType.FLOAT32, Shape.of(1, 6, 5, 3), Layout.NHWC));
        Value q = b.add("quantize", new TfliteQuantize(Quantization.perTensor(1.0 / 128, 2)), x);
        Value c1 = TfliteRandomGraphTest.conv(b, r, "c1", q, 4, false, true);
        Value mean = b.add("mean", new TfliteMean(TfliteRandomGraphTest.q(r)), c1);
        Value feature = b.add("feature", new Dequantize(), mean);
        Value wv = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(3, 4), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[] {0.1f, -0.2f, 0.3f, 0.05f, 0.2f, 0.1f, -0.1f, 0.3f, -0.3f, 0.1f,
                    0.2f, -0.05f}));
        Value bv = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(3), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[3]));
        Graph g = b.output(b.add("logits", new Linear(), feature, wv, bv)).build();
        CompiledModel compiled = Compiler.compileUnchecked(g, Target.STM32F746, CompileOptions.preset("all", 5e-2f)
                .withTraining(new TrainingOptions(5e-2f, 5e-2f, rounding, true, 3)));
        List<byte[]> inputs = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            inputs.add(floatBytes(r, 6 * 5 * 3));
        }
        TfliteTrainingEquivalenceTest.Trained t = TfliteTrainingEquivalenceTest.trainsIdentically("float input "
                + rounding, compiled, inputs, new int[] {0, 1, 2}, floatBytes(r, 6 * 5 * 3), 3,
                List.of(CModelRunner.Platform.HOST));
        // the conv behind the QUANTIZE trains (float_master moves its masters; the int8 copy may not move in 3 steps)
        assertTrue(compiled.step().graph().parameter("c1.weight").orElseThrow().trainability().trainable());
        assertTrue(rounding.equals("float_master")
                || CTrainingEquivalenceTest.changedWeights(t.c().state(), t.state(), compiled.step().graph()) > 0,
                "the conv behind the QUANTIZE trains");
    }

    /** Random floats in [-1.2, 1.2] (some beyond the quantization's range) as little-endian bytes. */
    private static byte[] floatBytes(Random r, int n) {
        ByteBuffer bb = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            bb.putFloat((r.nextFloat() * 2 - 1) * 1.2f);
        }
        return bb.array();
    }

    @AfterAll
    static void theChainsTrainThroughEveryTfliteGradientKind() {
        if (RUNS.get() < SEEDS) {
            return; // a subset ran (or tools were missing)
        }
        Set<OpKind> missing = EnumSet.copyOf(GRADIENT_KINDS);
        missing.addAll(EnumSet.of(OpKind.TFLITE_CONV2D, OpKind.TFLITE_ADD, OpKind.TFLITE_RELU,
                OpKind.TFLITE_MEAN, OpKind.CONV_GRAD_INPUT, OpKind.CONV_GRAD_WEIGHT_UPDATE,
                OpKind.CONV_GRAD_BIAS_UPDATE, OpKind.ADD_GRAD, OpKind.AVG_POOL_GRAD, OpKind.ACCUMULATE));
        missing.removeAll(SEEN);
        assertTrue(missing.isEmpty(), "kinds no random training step ran: " + missing);
    }

    /** A dense 1x1 conv (stride 1, no padding) with random per-channel weights, bias and output clamp. */
    private static Value pointwise(GraphBuilder b, Random r, String name, Value x, int outC) {
        int inC = x.type().shape().dim(3);
        byte[] w = new byte[outC * inC];
        r.nextBytes(w);
        float[] scales = new float[outC];
        int[] bias = new int[outC];
        for (int o = 0; o < outC; o++) {
            scales[o] = 0.001f + r.nextFloat() * 0.01f;
            bias[o] = r.nextInt(4001) - 2000;
        }
        Value wv = b.parameter(name + ".weight", TensorType.quantized(DType.INT8, Shape.of(outC, 1, 1, inC),
                Layout.OHWI, Quantization.perChannel(scales, 0)), TensorData.ofInt8(w));
        Value bv = b.parameter(name + ".bias", TensorType.of(DType.INT32, Shape.of(outC), Layout.ROW_MAJOR),
                TensorData.ofInt32(bias));
        Quantization yq = TfliteRandomGraphTest.q(r);
        int lo = r.nextBoolean() ? -128 : Math.max(-128, yq.zeroPoint());
        return b.add(name, new TfliteConv2d(1, 1, 0, 0, 0, 0, 1, yq, lo, 127, false), x, wv, bv);
    }

    /**
     * input -> conv -> pad -> max pool -> conv -> (itself, fully connected over its channels) -> concat -> concat with
     * itself -> relu -> add -> average pool -> mean -> fully connected -> float head.
     */
    private static Graph chain(Random r) {
        GraphBuilder b = new GraphBuilder("random-training");
        int h = 5 + r.nextInt(6);
        int w = 5 + r.nextInt(6);
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, h, w, 1 + r.nextInt(3)), Layout.NHWC,
                TfliteRandomGraphTest.q(r)));
        Value c1 = TfliteRandomGraphTest.conv(b, r, "c1", x, 2 + 2 * r.nextInt(2), false, true);
        Value p = b.add("pad", new TflitePad(r.nextInt(2), r.nextInt(2), r.nextInt(2), r.nextInt(2)), c1);
        int f = 1 + r.nextInt(3);
        Value pool = b.add("maxpool", new TflitePool(true, f, f, 1 + r.nextInt(2), 1, r.nextInt(f), 0, r.nextInt(f),
                0, -128, 127 - r.nextInt(50)), p);
        Value a = TfliteRandomGraphTest.conv(b, r, "a", pool, 2 + 2 * r.nextInt(2), false, true);
        // a pointwise conv of a (its height and width), requantized to a's quantization, joined along the channels;
        // then the result with itself along the height or the width (one value, two gradient contributions)
        Value c = pointwise(b, r, "c", a, 2 + 2 * r.nextInt(2));
        Value c2 = b.add("requant", new TfliteRelu(a.type().quantization().orElseThrow()), c);
        Value channels = b.add("concat", new TfliteConcat(3), a, c2);
        Value joined = b.add("concat2", new TfliteConcat(1 + r.nextInt(2)), channels, channels);
        Value relu = b.add("relu", new TfliteRelu(TfliteRandomGraphTest.q(r)), joined);
        Value sum = b.add("add", new TfliteAdd(TfliteRandomGraphTest.q(r), -128, 127 - r.nextInt(30)), relu, joined);
        int f2 = 1 + r.nextInt(2);
        Value avg = b.add("avgpool", new TflitePool(false, f2, f2 + 1, 1, 1 + r.nextInt(2), r.nextInt(f2),
                r.nextInt(f2 + 1), r.nextInt(f2), r.nextInt(f2 + 1), -128 + r.nextInt(30), 127), sum);
        Value mean = b.add("mean", new TfliteMean(r.nextBoolean() ? avg.type().quantization().orElseThrow()
                : TfliteRandomGraphTest.q(r)), avg);
        int features = mean.type().shape().dim(1);
        Value flat = b.add("flat", new Reshape(Shape.of(1, 1, 1, features), Layout.NHWC), mean);
        Value fc = TfliteRandomGraphTest.conv(b, r, "fc", flat, 3 + r.nextInt(6), true, true);
        int k = fc.type().shape().dim(3);
        Value row = b.add("row", new Reshape(Shape.of(1, k), Layout.ROW_MAJOR), fc);
        Value feature = b.add("feature", new Dequantize(), row);
        float[] hw = new float[4 * k];
        for (int i = 0; i < hw.length; i++) {
            hw[i] = (r.nextFloat() - 0.5f) * 0.2f;
        }
        Value wv = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(4, k), Layout.ROW_MAJOR),
                TensorData.ofFloat32(hw));
        Value bv = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(4), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[4]));
        return b.output(b.add("logits", new Linear(), feature, wv, bv)).build();
    }
}
