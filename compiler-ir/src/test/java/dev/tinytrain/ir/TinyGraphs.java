package dev.tinytrain.ir;

import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.ir.ops.QuantizedAdd;

/** Small hand-built graphs for IR tests. */
public final class TinyGraphs {
    private TinyGraphs() {
    }

    /** conv3x3 -> depthwise -> pointwise -> residual add -> avgpool, on a 6x6x3 input. */
    public static Graph block() {
        GraphBuilder b = new GraphBuilder("tiny");
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 6, 6, 3), Layout.NHWC,
                Quantization.perTensor(2.0 / 255, 0)));
        Value c1 = conv(b, "c1", x, 4, 3, 1, 1, Quantization.perTensor(0.02, -128));
        Value dw = conv(b, "dw", c1, 4, 3, 1, 4, Quantization.perTensor(0.03, -128));
        Value pw = conv(b, "pw", dw, 4, 1, 1, 1, Quantization.perTensor(0.05, 3));
        Value add = b.add("add", new QuantizedAdd(Quantization.perTensor(0.04, -2)), c1, pw);
        Value pool = b.add("pool", new GlobalAvgPool(), add);
        return b.output(pool).build();
    }

    /** {@link #block()} followed by the float transfer head (3 classes): a trainable tiny model. */
    public static Graph withHead() {
        Graph g = block();
        GraphBuilder b = new GraphBuilder("tiny");
        Value x = b.input("input", g.inputs().get(0).type());
        java.util.Map<String, Value> map = new java.util.HashMap<>();
        map.put("input", x);
        for (Parameter p : g.parameters()) {
            map.put(p.name(), b.parameter(p.name(), p.value().type(), p.data()));
        }
        for (Node n : g.nodes()) {
            Value[] ins = n.inputs().stream().map(v -> map.get(v.name())).toArray(Value[]::new);
            map.put(n.output().name(), b.add(n.name(), n.op(), ins));
        }
        Value pool = map.get("pool");
        Value flat = b.add("flatten", new dev.tinytrain.ir.ops.Reshape(Shape.of(1, 4), Layout.ROW_MAJOR), pool);
        Value feat = b.add("feature", new dev.tinytrain.ir.ops.Dequantize(), flat);
        float[] w = new float[12];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 5 - 2) * 0.1f;
        }
        Value hw = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(3, 4), Layout.ROW_MAJOR),
                TensorData.ofFloat32(w));
        Value hb = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(3), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[] {0.1f, -0.2f, 0.05f}));
        Value logits = b.add("logits", new dev.tinytrain.ir.ops.Linear(), feat, hw, hb);
        return b.output(logits).build();
    }

    /** A conv with "same" padding and deterministic weights; depthwise when {@code groups == Cin == cout > 1}. */
    public static Value conv(GraphBuilder b, String name, Value in, int cout, int k, int stride, int groups,
                      Quantization out) {
        int cin = in.type().shape().dim(3);
        boolean dw = groups > 1 && groups == cin && groups == cout;
        float[] scales = new float[cout];
        for (int i = 0; i < cout; i++) {
            scales[i] = 0.01f * (i + 1);
        }
        TensorType wt = dw
                ? TensorType.quantized(DType.INT8, Shape.of(1, k, k, cout), Layout.DEPTHWISE,
                        Quantization.perChannel(scales, 3))
                : TensorType.quantized(DType.INT8, Shape.of(cout, k, k, cin / groups), Layout.OHWI,
                        Quantization.perChannel(scales, 0));
        byte[] w = new byte[(int) wt.elementCount()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) ((i * 37) % 255 - 127);
        }
        int[] bias = new int[cout];
        for (int i = 0; i < cout; i++) {
            bias[i] = i * 100 - 150;
        }
        Value wv = b.parameter(name + ".weight", wt, TensorData.ofInt8(w));
        Value bv = b.parameter(name + ".bias", TensorType.of(DType.INT32, Shape.of(cout), Layout.ROW_MAJOR),
                TensorData.ofInt32(bias));
        return b.add(name, Conv2d.samePadding(k, stride, groups, out), in, wv, bv);
    }
}
