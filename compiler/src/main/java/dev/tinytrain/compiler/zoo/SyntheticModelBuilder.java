package dev.tinytrain.compiler.zoo;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.Reshape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Builds the forward graph of an {@link Architecture} with synthetic int8 weights, the way the authors' models
 * are made, but from seeded random numbers instead of ImageNet training:
 *
 * <ol>
 *   <li>real weights {@code N(0, gain^2 / fan_in)} (He initialisation: gain sqrt 2 before a ReLU, 1 for the
 *       linear projections), quantized symmetrically per output channel with {@code s_w = max|w| / 127}, then
 *       every {@code s_w} of a layer scaled so that the layer's output has unit standard deviation on the
 *       calibration image (as LSUV initialisation; the int8 weights do not change);</li>
 *   <li>small real biases, stored as int32 in accumulator units {@code round(b / (x_scale * s_w))};</li>
 *   <li>activation ranges calibrated like post-training quantization: a float forward pass (every activation
 *       rounded to its int8 grid as it is produced) on one seeded random 128x128 image; the stem, expansion and
 *       depthwise outputs get {@code y_zero = -128} (ReLU) and 1.25 times their observed maximum, capped at 6
 *       (ReLU6), as {@code 255 * y_scale}; projections and residual sums get an asymmetric range covering 1.25
 *       times what was observed, and 0.</li>
 * </ol>
 *
 * <p>Every random stream is {@link java.util.Random} (its algorithm is specified), seeded from the model seed
 * and the layer index, and only {@code + - * /}, {@code sqrt} and {@code rint} are used, so the weights are the
 * same on every JVM. The graph has the importer's value and node names ({@code first_conv},
 * {@code blocks[3].depthwise}, {@code avgpool}, {@code logits}, ...), so policies naming layers apply to it.
 */
final class SyntheticModelBuilder {
    /** Resolution of the calibration image: the models' own. */
    static final int CALIBRATION_RESOLUTION = 128;
    /** Input quantization of the three pretrained models: real = q / 127.5 in [-1, 1]. */
    static final double INPUT_SCALE = 0.00784313725490196;
    private static final double RELU6 = 6.0;
    /** Calibrated ranges are widened by this factor, so other inputs than the calibration image fit too. */
    private static final double HEADROOM = 1.25;

    private final Architecture arch;
    private final String graphName;
    private final long seed;
    private final int resolution;
    private final HeadSpec head;
    private final GraphBuilder b;
    private final Map<String, Value> taps = new LinkedHashMap<>();
    private final List<String> convOrder = new ArrayList<>();
    private final Hasher hasher = Hashing.sha256().newHasher();
    private int layer;

    /** A value of the graph (at the requested resolution) with its calibration tensor (at 128x128). */
    private record Act(Value value, float[] real, int h, int w, int c, double scale, int zero) {
    }

    SyntheticModelBuilder(Architecture arch, String graphName, long seed, int resolution, HeadSpec head) {
        this.arch = arch;
        this.graphName = graphName;
        this.seed = seed;
        this.resolution = resolution;
        this.head = head;
        this.b = new GraphBuilder(graphName);
    }

    ImportedModel build() {
        Quantization inQ = Quantization.perTensor(INPUT_SCALE, 0);
        Value input = b.input("input", TensorType.quantized(DType.INT8,
                Shape.of(1, resolution, resolution, arch.inChannels()), Layout.NHWC, inQ));
        taps.put("input", input);
        Act x = new Act(input, calibrationImage(), CALIBRATION_RESOLUTION, CALIBRATION_RESOLUTION,
                arch.inChannels(), INPUT_SCALE, 0);
        x = conv("first_conv", x, arch.stemChannels(), 3, 2, false, true);
        for (int i = 0; i < arch.blocks().size(); i++) {
            BlockSpec blk = arch.blocks().get(i);
            String path = "blocks[" + i + "]";
            Act in = x;
            if (blk.expand() > 0) {
                x = conv(path + ".pointwise1", x, blk.expand(), 1, 1, false, true);
            }
            x = conv(path + ".depthwise", x, x.c, blk.kernel(), blk.stride(), true, true);
            x = conv(path + ".pointwise2", x, blk.out(), 1, 1, false, false);
            if (blk.residual()) {
                x = residual(path, in, x);
            }
            taps.put(path, x.value);
        }
        Value pooled = b.add("avgpool", new GlobalAvgPool(), x.value);
        taps.put("avgpool", pooled);
        int c = x.c;
        if (head.weight().length != head.classes() * c) {
            throw new IllegalArgumentException("transfer head weight has " + head.weight().length + " floats; ["
                    + head.classes() + ", " + c + "] needs " + head.classes() * c);
        }
        Value flat = b.add("flatten", new Reshape(Shape.of(1, c), Layout.ROW_MAJOR), pooled);
        Value feature = b.add("feature", new Dequantize(), flat);
        float[] hw = head.weight();
        float[] hb = head.bias();
        Value w = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(head.classes(), c),
                Layout.ROW_MAJOR), TensorData.ofFloat32(hw));
        Value bias = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(head.classes()),
                Layout.ROW_MAJOR), TensorData.ofFloat32(hb));
        for (float f : hw) {
            hasher.putFloat(f);
        }
        for (float f : hb) {
            hasher.putFloat(f);
        }
        Value logits = b.add("logits", new Linear(), feature, w, bias);
        taps.put("logits", logits);
        b.output(logits);
        Graph g = b.build();
        return new ImportedModel(g, graphName, hasher.hash().toString(), taps, convOrder);
    }

    /** A seeded random image, uniform over the int8 range, as real values. */
    private float[] calibrationImage() {
        Random rnd = new Random(seed);
        int n = CALIBRATION_RESOLUTION * CALIBRATION_RESOLUTION * arch.inChannels();
        float[] img = new float[n];
        for (int i = 0; i < n; i++) {
            img[i] = (float) ((rnd.nextInt(256) - 128) * INPUT_SCALE);
        }
        return img;
    }

    private Random layerRandom() {
        long s = seed * 0x9E3779B97F4A7C15L + (++layer) * 0xBF58476D1CE4E5B9L;
        return new Random(s);
    }

    private Act conv(String path, Act in, int cout, int k, int stride, boolean depthwise, boolean relu) {
        Random rnd = layerRandom();
        int cin = in.c;
        int perOut = depthwise ? k * k : k * k * cin;
        double sigma = (relu ? Math.sqrt(2.0) : 1.0) / Math.sqrt(perOut);
        // real weights in OHWI order ([O, K, K, Cin] dense, one K x K filter per channel depthwise)
        double[] real = new double[cout * perOut];
        for (int i = 0; i < real.length; i++) {
            real[i] = rnd.nextGaussian() * sigma;
        }
        float[] wScales = new float[cout];
        byte[] q = new byte[real.length];
        float[] wReal = new float[real.length]; // dequantized, for calibration (before the rescaling below)
        for (int o = 0; o < cout; o++) {
            double max = 0;
            for (int i = 0; i < perOut; i++) {
                max = Math.max(max, Math.abs(real[o * perOut + i]));
            }
            wScales[o] = (float) (Math.max(max, 1e-6) / 127.0);
            for (int i = 0; i < perOut; i++) {
                int v = (int) Math.rint(real[o * perOut + i] / wScales[o]);
                v = Math.max(-127, Math.min(127, v));
                q[o * perOut + i] = (byte) v;
                wReal[o * perOut + i] = v * wScales[o];
            }
        }
        // calibration forward in float, "same" padding (zero in real units = x_zero in int8), without the bias
        int pad = (k - 1) / 2;
        int oh = (in.h + 2 * pad - k) / stride + 1;
        int ow = (in.w + 2 * pad - k) / stride + 1;
        float[] y = new float[oh * ow * cout];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int base = (oy * ow + ox) * cout;
                for (int o = 0; o < cout; o++) {
                    float acc = 0;
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * stride + ky - pad;
                        if (iy < 0 || iy >= in.h) {
                            continue;
                        }
                        for (int kx = 0; kx < k; kx++) {
                            int ix = ox * stride + kx - pad;
                            if (ix < 0 || ix >= in.w) {
                                continue;
                            }
                            int xi = (iy * in.w + ix) * cin;
                            if (depthwise) {
                                acc += in.real[xi + o] * wReal[o * perOut + ky * k + kx];
                            } else {
                                int wi = o * perOut + (ky * k + kx) * cin;
                                for (int i = 0; i < cin; i++) {
                                    acc += in.real[xi + i] * wReal[wi + i];
                                }
                            }
                        }
                    }
                    y[base + o] = acc;
                }
            }
        }
        // data-dependent rescaling (as LSUV initialisation): the conv output gets unit standard deviation on the
        // calibration image, so activations neither die out nor pile up at ReLU6's cap with depth. Scaling a
        // channel's real weights scales its w_scale and leaves the int8 weights as they are.
        double sum = 0;
        double sumSq = 0;
        for (float v : y) {
            sum += v;
            sumSq += (double) v * v;
        }
        double mean = sum / y.length;
        double std = Math.sqrt(Math.max(sumSq / y.length - mean * mean, 0));
        double factor = 1.0 / Math.max(std, 1e-6);
        for (int o = 0; o < cout; o++) {
            wScales[o] = (float) (wScales[o] * factor);
        }
        int[] bias = new int[cout];
        float[] bReal = new float[cout];
        for (int o = 0; o < cout; o++) {
            double bv = relu ? 0.1 + 0.1 * rnd.nextGaussian() : 0.1 * rnd.nextGaussian();
            double unit = in.scale * wScales[o];
            bias[o] = (int) Math.rint(bv / unit);
            bReal[o] = (float) (bias[o] * unit);
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (y[i] * factor) + bReal[i % cout];
        }
        double yScale;
        int yZero;
        if (relu) {
            float max = 0;
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) Math.min(RELU6, Math.max(0, y[i]));
                max = Math.max(max, y[i]);
            }
            yScale = Math.min(RELU6, Math.max(max, 1e-2) * HEADROOM) / 255.0;
            yZero = -128;
        } else {
            double[] range = range(y);
            yScale = range[0];
            yZero = (int) range[1];
        }
        fakeQuantize(y, yScale, yZero);

        // the graph: weights in the importer's layouts
        TensorType wType;
        byte[] wData;
        if (depthwise) {
            wData = new byte[q.length]; // [1, K, K, C]
            for (int ch = 0; ch < cout; ch++) {
                for (int i = 0; i < k * k; i++) {
                    wData[i * cout + ch] = q[ch * perOut + i];
                }
            }
            wType = TensorType.quantized(DType.INT8, Shape.of(1, k, k, cout), Layout.DEPTHWISE,
                    Quantization.perChannel(wScales, 3));
        } else {
            wData = q;
            wType = TensorType.quantized(DType.INT8, Shape.of(cout, k, k, cin), Layout.OHWI,
                    Quantization.perChannel(wScales, 0));
        }
        hasher.putBytes(wData);
        for (float s : wScales) {
            hasher.putFloat(s);
        }
        for (int v : bias) {
            hasher.putInt(v);
        }
        hasher.putDouble(yScale).putInt(yZero);
        Value wv = b.parameter(path + ".params.weight", wType, TensorData.ofInt8(wData));
        Value bv = b.parameter(path + ".params.bias", TensorType.of(DType.INT32, Shape.of(cout), Layout.ROW_MAJOR),
                TensorData.ofInt32(bias));
        Quantization outQ = Quantization.perTensor(yScale, yZero);
        Value out = b.add(path, Conv2d.samePadding(k, stride, depthwise ? cin : 1, outQ), in.value, wv, bv);
        convOrder.add(path);
        taps.put(path, out);
        return new Act(out, y, oh, ow, cout, yScale, yZero);
    }

    private Act residual(String path, Act skip, Act branch) {
        float[] y = new float[skip.real.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = skip.real[i] + branch.real[i];
        }
        double[] range = range(y);
        fakeQuantize(y, range[0], (int) range[1]);
        hasher.putDouble(range[0]).putInt((int) range[1]);
        Quantization outQ = Quantization.perTensor(range[0], (int) range[1]);
        Value out = b.add(path, new QuantizedAdd(outQ), skip.value, branch.value);
        return new Act(out, y, skip.h, skip.w, skip.c, range[0], (int) range[1]);
    }

    /** An asymmetric int8 range {scale, zero point} covering the values and 0. */
    private static double[] range(float[] y) {
        double lo = 0;
        double hi = 0;
        for (float v : y) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        lo *= HEADROOM;
        hi *= HEADROOM;
        double scale = Math.max(hi - lo, 1e-2) / 255.0;
        int zero = (int) Math.rint(-128 - lo / scale);
        zero = Math.max(-128, Math.min(127, zero));
        return new double[] {scale, zero};
    }

    /** Rounds each value to the int8 grid of (scale, zero), saturating, as the int8 network stores it. */
    private static void fakeQuantize(float[] y, double scale, int zero) {
        for (int i = 0; i < y.length; i++) {
            int q = (int) Math.rint(y[i] / scale) + zero;
            q = Math.max(-128, Math.min(127, q));
            y[i] = (float) ((q - zero) * scale);
        }
    }
}
