package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.golden.CGoldenBackend;
import dev.tinytrain.golden.GoldenBackend;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.ir.ops.TfliteAdd;
import dev.tinytrain.ir.ops.TfliteConcat;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.ops.TfliteMean;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.ir.ops.TflitePool;
import dev.tinytrain.ir.ops.TfliteRelu;
import dev.tinytrain.ir.ops.TfliteSoftmax;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random chains of every TFLite op kind, with shapes, strides, paddings, groups, clamps and quantizations the shared
 * models do not use (grouped and strided convs with asymmetric padding, per-tensor fully connected weights, pools with
 * padding, concatenation along other axes, means that keep or change the quantization): every node's bytes agree
 * between the JVM and host C.
 */
class TfliteRandomGraphTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /**
     * The forward TFLite op kinds (numerics mode "TFLite integer"): these chains must emit them all (the gradient
     * kinds {@code tfl.*_grad}: {@link TfliteRandomTrainingTest}).
     */
    static final Set<OpKind> TFLITE_KINDS = Arrays.stream(OpKind.values())
            .filter(k -> k.irName().startsWith("tfl.") && !k.irName().endsWith("_grad"))
            .collect(Collectors.toUnmodifiableSet());
    private static final Set<OpKind> SEEN = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final int SEEDS = 6;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void everyNodeAgreesOnJvmAndHostC(long seed) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        Random r = new Random(seed);
        Graph g = chain(r);
        g.nodes().forEach(n -> SEEN.add(n.op().kind()));
        RUNS.incrementAndGet();
        byte[] input = new byte[Math.toIntExact(g.inputs().get(0).type().elementCount())];
        r.nextBytes(input);
        Map<String, Value> taps = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            taps.put(n.name(), n.output());
        }
        Map<String, byte[]> jvm = GoldenBackend.jvm().forward(g, input, taps);
        Map<String, byte[]> host = new CGoldenBackend(CModelRunner.Platform.HOST, CTestSupport.CACHE, TIMEOUT)
                .forward(g, input, taps);
        assertEquals(taps.keySet(), host.keySet());
        for (String name : taps.keySet()) {
            assertArrayEquals(jvm.get(name), host.get(name), "node " + name + " of seed " + seed);
        }
    }

    @AfterAll
    static void theChainsCoverEveryTfliteKind() {
        if (RUNS.get() < SEEDS) {
            return; // a subset ran (or tools were missing)
        }
        Set<OpKind> missing = EnumSet.copyOf(TFLITE_KINDS);
        missing.removeAll(SEEN);
        // QUANTIZE takes a float input, which these int8 chains do not have: its kernel is checked element by
        // element against its C twin in backend-cmsis-c's TfliteScalarConformanceTest
        missing.remove(OpKind.TFLITE_QUANTIZE);
        assertTrue(missing.isEmpty(), "TFLite op kinds no random chain emitted: " + missing);
    }

    static Quantization q(Random r) {
        return Quantization.perTensor(0.002 + r.nextDouble() * 0.05, r.nextInt(256) - 128);
    }

    private static Value conv(GraphBuilder b, Random r, String name, Value x, int outC, boolean fc) {
        return conv(b, r, name, x, outC, fc, false);
    }

    /**
     * A random conv, depthwise conv, grouped conv or fully connected layer; with {@code trainable} its padding is
     * what TFLite's SAME or VALID gives (bottom and right equal to top and left, or one more), as training needs.
     */
    static Value conv(GraphBuilder b, Random r, String name, Value x, int outC, boolean fc, boolean trainable) {
        Shape xs = x.type().shape();
        int inC = xs.dim(3);
        boolean depthwise = !fc && r.nextInt(3) == 0;
        int groups = depthwise ? inC : (!fc && inC % 2 == 0 && outC % 2 == 0 && r.nextBoolean() ? 2 : 1);
        int cout = depthwise ? inC : outC;
        int k = fc ? 1 : 1 + r.nextInt(3);
        int stride = fc ? 1 : 1 + r.nextInt(2);
        int pt = fc ? 0 : r.nextInt(k);
        int pl = fc ? 0 : r.nextInt(k);
        int pb = fc ? 0 : trainable ? Math.min(k - 1, pt + r.nextInt(2)) : r.nextInt(k);
        int pr = fc ? 0 : trainable ? Math.min(k - 1, pl + r.nextInt(2)) : r.nextInt(k);
        Shape ws = depthwise ? Shape.of(1, k, k, inC) : Shape.of(cout, k, k, inC / groups);
        byte[] w = new byte[Math.toIntExact(ws.elementCount())];
        r.nextBytes(w);
        float[] scales = new float[cout];
        for (int o = 0; o < cout; o++) {
            scales[o] = 0.001f + r.nextFloat() * 0.01f;
        }
        Quantization wq = fc && r.nextBoolean() ? new Quantization(java.util.List.of(0.004), java.util.List.of(0), -1)
                : Quantization.perChannel(scales, depthwise ? 3 : 0);
        Value wv = b.parameter(name + ".weight", TensorType.quantized(DType.INT8, ws, depthwise ? Layout.DEPTHWISE
                : Layout.OHWI, wq), TensorData.ofInt8(w));
        int[] bias = new int[cout];
        for (int o = 0; o < cout; o++) {
            bias[o] = r.nextInt(4001) - 2000;
        }
        Value bv = b.parameter(name + ".bias", TensorType.of(DType.INT32, Shape.of(cout), Layout.ROW_MAJOR),
                TensorData.ofInt32(bias));
        Quantization yq = q(r);
        int lo = r.nextBoolean() ? -128 : Math.max(-128, yq.zeroPoint());
        int hi = r.nextBoolean() ? 127 : Math.min(127, Math.max(lo, yq.zeroPoint() + 40));
        return b.add(name, new TfliteConv2d(stride, stride, pt, pl, pb, pr, groups, yq, lo, hi, fc), x, wv, bv);
    }

    /** input -> conv -> pad -> pool -> conv (x2) -> concat -> relu -> add -> pool -> mean -> fc -> softmax. */
    private static Graph chain(Random r) {
        GraphBuilder b = new GraphBuilder("random");
        int h = 5 + r.nextInt(8);
        int w = 5 + r.nextInt(8);
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, h, w, 1 + r.nextInt(4)), Layout.NHWC,
                q(r)));
        Value c1 = conv(b, r, "c1", x, 2 + 2 * r.nextInt(3), false);
        Value p = b.add("pad", new TflitePad(r.nextInt(2), r.nextInt(2), r.nextInt(2), r.nextInt(2)), c1);
        int f = 1 + r.nextInt(3);
        Value pool = b.add("maxpool", new TflitePool(true, f, f, 1 + r.nextInt(2), 1, r.nextInt(f), 0, r.nextInt(f),
                0, -128, 127 - r.nextInt(50)), p);
        Value a = conv(b, r, "a", pool, 2 + 2 * r.nextInt(2), false);
        Value c = conv(b, r, "c", pool, 2 + 2 * r.nextInt(2), false);
        Value joined;
        if (a.type().shape().equals(c.type().shape()) || a.type().shape().dim(1) != c.type().shape().dim(1)
                || a.type().shape().dim(2) != c.type().shape().dim(2)) {
            joined = b.add("concat", new TfliteConcat(1 + r.nextInt(2)), a, a); // along height or width
        } else {
            Value c2 = b.add("requant", new TfliteRelu(a.type().quantization().orElseThrow()), c);
            joined = b.add("concat", new TfliteConcat(3), a, c2);
        }
        Value relu = b.add("relu", new TfliteRelu(q(r)), joined);
        Value sum = b.add("add", new TfliteAdd(q(r), -128, 127), relu, joined);
        int f2 = 1 + r.nextInt(2);
        Value avg = b.add("avgpool", new TflitePool(false, f2, f2 + 1, 1, 1 + r.nextInt(2), r.nextInt(f2),
                r.nextInt(f2 + 1), r.nextInt(f2), r.nextInt(f2 + 1), -128, 127), sum);
        Quantization meanQ = r.nextBoolean() ? avg.type().quantization().orElseThrow() : q(r);
        Value mean = b.add("mean", new TfliteMean(meanQ), avg);
        int features = mean.type().shape().dim(1);
        Value flat = b.add("flat", new Reshape(Shape.of(1, 1, 1, features), Layout.NHWC), mean);
        Value fc = conv(b, r, "fc", flat, 3 + r.nextInt(8), true);
        Value logits = b.add("logits", new Reshape(Shape.of(1, fc.type().shape().dim(3)), Layout.ROW_MAJOR), fc);
        Value soft = b.add("softmax", new TfliteSoftmax(1f, Quantization.perTensor(1.0 / 256, -128)), logits);
        return b.output(soft).build();
    }
}
