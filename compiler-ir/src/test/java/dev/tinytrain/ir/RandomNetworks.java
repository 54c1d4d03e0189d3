package dev.tinytrain.ir;

import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.Reshape;
import java.util.Random;

/** Random networks for property tests of the passes, the planner and both backends (one generator for all). */
public final class RandomNetworks {

    private RandomNetworks() {
    }

    /**
     * A random int8 inverted-residual network with a float32 3-class head: a first conv, then 2-4 blocks (pointwise
     * expand, depthwise k 3/5/7 stride 1/2, project, residual add when the shape allows it), global average pool,
     * flatten, dequantize, linear. Input 8x8 to 16x16, per-channel weight scales, random zero points.
     */
    public static Graph invertedResidual(Random r) {
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
