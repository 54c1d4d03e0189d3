package dev.tinytrain.backend.c;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.AddGrad;
import dev.tinytrain.ir.ops.AvgPoolGrad;
import dev.tinytrain.ir.ops.ChannelSlice;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.ConvGradBiasUpdate;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradOutput;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.ConvGradWeightUpdate;
import dev.tinytrain.ir.ops.DequantizeGrad;
import dev.tinytrain.ir.ops.LinearGradWeightUpdate;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The C emitter of every op kind, in one registry ({@code COpEmittersTest} fails when a kind has none). Each one
 * writes the call of the C port of the kernel the JVM backend calls for that kind ({@code ForwardEmitters} /
 * {@code TrainingEmitters} of backend-jvm-ref), with the same arguments; parameters are passed in their C storage
 * ({@code tt_weight} for int8 weights, int32 or master arrays for biases).
 */
public final class COpEmitters {
    private static final Map<OpKind, COpEmitter> EMITTERS = new EnumMap<>(OpKind.class);

    static {
        EMITTERS.put(OpKind.CONV2D, COpEmitters::conv2d);
        EMITTERS.put(OpKind.QUANTIZED_ADD, COpEmitters::quantizedAdd);
        EMITTERS.put(OpKind.GLOBAL_AVG_POOL, COpEmitters::globalAvgPool);
        EMITTERS.put(OpKind.DEQUANTIZE, COpEmitters::dequantize);
        EMITTERS.put(OpKind.LINEAR, COpEmitters::linear);
        EMITTERS.put(OpKind.RESHAPE, COpEmitters::reshape);
        EMITTERS.put(OpKind.SOFTMAX_CROSS_ENTROPY, COpEmitters::softmaxCrossEntropy);
        EMITTERS.put(OpKind.LINEAR_GRAD_INPUT, COpEmitters::linearGradInput);
        EMITTERS.put(OpKind.LINEAR_GRAD_WEIGHT, COpEmitters::linearGradWeight);
        EMITTERS.put(OpKind.DEQUANTIZE_GRAD, COpEmitters::dequantizeGrad);
        EMITTERS.put(OpKind.AVG_POOL_GRAD, COpEmitters::avgPoolGrad);
        EMITTERS.put(OpKind.ADD_GRAD, COpEmitters::addGrad);
        EMITTERS.put(OpKind.ACCUMULATE, COpEmitters::accumulate);
        EMITTERS.put(OpKind.CONV_GRAD_OUTPUT, COpEmitters::convGradOutput);
        EMITTERS.put(OpKind.CONV_GRAD_INPUT, COpEmitters::convGradInput);
        EMITTERS.put(OpKind.CONV_GRAD_WEIGHT, COpEmitters::convGradWeight);
        EMITTERS.put(OpKind.CONV_GRAD_BIAS, COpEmitters::convGradBias);
        EMITTERS.put(OpKind.CHANNEL_SLICE, COpEmitters::channelSlice);
        EMITTERS.put(OpKind.SGD_UPDATE, COpEmitters::sgdUpdate);
        EMITTERS.put(OpKind.CONV_GRAD_WEIGHT_UPDATE, COpEmitters::convGradWeightUpdate);
        EMITTERS.put(OpKind.CONV_GRAD_BIAS_UPDATE, COpEmitters::convGradBiasUpdate);
        EMITTERS.put(OpKind.LINEAR_GRAD_WEIGHT_UPDATE, COpEmitters::linearGradWeightUpdate);
        EMITTERS.put(OpKind.STREAMED_BACKWARD, CStreamedEmitter::streamedBackward);
        // TFLite integer numerics (imported .tflite models): tt_tflite.c
        EMITTERS.put(OpKind.TFLITE_CONV2D, TfliteCEmitters::conv2d);
        EMITTERS.put(OpKind.TFLITE_ADD, TfliteCEmitters::add);
        EMITTERS.put(OpKind.TFLITE_PAD, TfliteCEmitters::pad);
        EMITTERS.put(OpKind.TFLITE_MEAN, TfliteCEmitters::mean);
        EMITTERS.put(OpKind.TFLITE_POOL, TfliteCEmitters::pool);
        EMITTERS.put(OpKind.TFLITE_CONCAT, TfliteCEmitters::concat);
        EMITTERS.put(OpKind.TFLITE_RELU, TfliteCEmitters::relu);
        EMITTERS.put(OpKind.TFLITE_SOFTMAX, TfliteCEmitters::softmax);
        EMITTERS.put(OpKind.TFLITE_QUANTIZE, TfliteCEmitters::quantize);
        EMITTERS.put(OpKind.BAND_REGION, CBandRegion::emit);
        EMITTERS.put(OpKind.TFLITE_PAD_GRAD, TfliteCEmitters::padGrad);
        EMITTERS.put(OpKind.TFLITE_POOL_GRAD, TfliteCEmitters::poolGrad);
        EMITTERS.put(OpKind.TFLITE_CONCAT_GRAD, TfliteCEmitters::concatGrad);
    }

    private COpEmitters() {
    }

    /** The emitter of {@code kind}, or empty when the C backend cannot emit it. */
    public static Optional<COpEmitter> forKind(OpKind kind) {
        return Optional.ofNullable(EMITTERS.get(kind));
    }

    // ================================================================================================ forward

    static String i(long v) {
        return Long.toString(Math.toIntExact(v));
    }

    private static String count(Value v) {
        return i(v.type().elementCount());
    }

    /** The mask result's offset when the op keeps one (training), else -1. */
    private static String maskOffset(CEmitContext c, Node n) {
        return n.outputs().size() > 1 ? c.off(n.outputs().get(1)) : "-1";
    }

    static void conv2d(CEmitContext c, Node n) {
        Conv2d op = (Conv2d) n.op();
        Value x = n.inputs().get(0);
        Value y = n.output();
        convCall(c, op, x, n.inputs().get(1), n.inputs().get(2), y, c.off(x), i(x.type().shape().dim(1)),
                i(op.padTop()), c.off(y), i(y.type().shape().dim(1)), maskOffset(c, n));
    }

    /**
     * The kernel call of conv {@code op} from {@code x} to {@code y}, its input seen as {@code inH} rows at
     * {@code inOff} with {@code padTop} padding rows above and {@code outH} output rows at {@code outOff} (C
     * expressions: the whole tensors for a node, a row window of a band region's step): the fast kernel the geometry
     * allows, else the reference {@code tt_conv2d_p}, as the JVM's {@code FastConv2d} chooses.
     */
    static void convCall(CEmitContext c, Conv2d op, Value x, Value w, Value b, Value y, String inOff, String inH,
                         String padTop, String outOff, String outH, String maskOff) {
        Shape xs = x.type().shape();
        Shape ys = y.type().shape();
        Quantization xq = x.type().requireQuantization(x.name());
        float[] eff = Conv2d.effectiveScales(xq.scale(), w.type().requireQuantization(w.name()).scalesAsFloats(),
                op.output().scale());
        int kH = Conv2d.kernelHeight(w);
        int kW = Conv2d.kernelWidth(w);
        int inC = xs.dim(3);
        if (kH == 1 && kW == 1 && op.groups() == 1 && op.padTop() == 0 && op.padLeft() == 0 && inC <= MAX_INT_TERMS) {
            c.call("tt_conv1x1", c.arena(), inOff, i(xs.dim(2)), i(inC), i(xq.zeroPoint()), c.weight(w),
                    zeroPointTimesWeightSums(c, w, xq.zeroPoint(), inC), i(op.stride()), c.biasArgs(b), c.floats(eff),
                    i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), i(ys.dim(3)), maskOff);
            return;
        }
        if (CGeom.depthwiseLayout(w) && op.groups() == inC && ys.dim(3) == inC && (long) kH * kW <= MAX_INT_TERMS) {
            c.call("tt_depthwise_conv", c.arena(), inOff, inH, i(xs.dim(2)), i(inC), i(xq.zeroPoint()),
                    c.weight(w), i(kH), i(kW), i(op.stride()), padTop, i(op.padLeft()), c.biasArgs(b),
                    c.floats(eff), i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), maskOff);
            return;
        }
        if (op.groups() == 1 && kH * kW * inC <= IM2COL_MAX_PATCH && !c.splitWeight(w)) {
            c.call("tt_conv_im2col", c.arena(), inOff, inH, i(xs.dim(2)), i(inC), i(xq.zeroPoint()),
                    c.weight(w), zeroPointTimesWeightSums(c, w, xq.zeroPoint(), kH * kW * inC), i(kH), i(kW),
                    i(op.stride()), padTop, i(op.padLeft()), c.biasArgs(b), c.floats(eff),
                    i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), i(ys.dim(3)), maskOff);
            return;
        }
        c.call("tt_conv2d_p", c.arena(), inOff, inH, i(xs.dim(2)), i(xs.dim(3)), i(xq.zeroPoint()),
                c.weight(w), i(kH), i(kW), i(op.stride()), padTop, i(op.padLeft()), i(op.groups()), c.biasArgs(b),
                c.floats(eff), i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), i(ys.dim(3)), maskOff);
    }

    /** Terms of an int8 conv sum that int32 holds exactly ({@code TT_MAX_INT_TERMS} of tt_kernels.h). */
    static final int MAX_INT_TERMS = 65793;
    /** The largest patch of {@code tt_conv_im2col} ({@code TT_IM2COL_MAX_PATCH} of tt_kernels.h). */
    static final int IM2COL_MAX_PATCH = 64;

    /**
     * The {@code zw} table of {@code tt_conv1x1} and {@code tt_conv_im2col}: {@code xZero * sum w[o][*]} per output
     * channel of a frozen weight of rows {@code [out_c][row]} (exact in int32: at most 128 * 65793 * 128 in
     * magnitude), or NULL for a trained weight or a zero point of 0.
     */
    static String zeroPointTimesWeightSums(CEmitContext c, Value w, int xZero, int row) {
        java.util.Optional<byte[]> values = c.constantWeight(w);
        if (values.isEmpty() || xZero == 0) {
            return "0";
        }
        byte[] v = values.get();
        List<Integer> zw = new java.util.ArrayList<>();
        for (int o = 0; o < v.length / row; o++) {
            int sum = 0;
            for (int k = 0; k < row; k++) {
                sum += v[o * row + k];
            }
            zw.add(xZero * sum);
        }
        return c.ints(zw);
    }

    static void quantizedAdd(CEmitContext c, Node n) {
        Value av = n.inputs().get(0);
        Value bv = n.inputs().get(1);
        Quantization a = av.type().requireQuantization(av.name());
        Quantization b = bv.type().requireQuantization(bv.name());
        Quantization y = n.output().type().requireQuantization(n.output().name());
        c.call("tt_quantized_add", c.arena(), c.off(av), i(a.zeroPoint()), c.f((float) a.scale()), c.off(bv),
                i(b.zeroPoint()), c.f((float) b.scale()), count(n.output()), i(y.zeroPoint()), c.f((float) y.scale()),
                c.off(n.output()), maskOffset(c, n));
    }

    static void globalAvgPool(CEmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.call("tt_global_avg_pool", c.arena(), c.off(n.inputs().get(0)), i(s.dim(1)), i(s.dim(2)), i(s.dim(3)),
                c.off(n.output()));
    }

    static void dequantize(CEmitContext c, Node n) {
        Value in = n.inputs().get(0);
        Quantization q = in.type().requireQuantization(in.name());
        c.call("tt_dequantize", c.arena(), c.off(in), count(n.output()), i(q.zeroPoint()), c.f((float) q.scale()),
                c.off(n.output()));
    }

    static void linear(CEmitContext c, Node n) {
        Value w = n.inputs().get(1);
        c.call("tt_linear", c.arena(), c.off(n.inputs().get(0)), i(w.type().shape().dim(1)), c.floatParam(w),
                c.floatParam(n.inputs().get(2)), i(w.type().shape().dim(0)), c.off(n.output()));
    }

    /** A reshape moves no data when input and result share an offset; otherwise it is one (overlap-safe) copy. */
    static void reshape(CEmitContext c, Node n) {
        Reshape op = (Reshape) n.op();
        Value in = n.inputs().get(0);
        String bytes = i(in.type().dtype().byteSize(op.shape().elementCount()));
        if (c.off(in).equals(c.off(n.output()))) {
            c.statement("/* reshape in place: no data moves */");
            return;
        }
        c.call("memmove", c.arena() + " + " + c.off(n.output()), c.arena() + " + " + c.off(in), "(size_t)" + bytes);
    }

    // ================================================================================================ training

    static void softmaxCrossEntropy(CEmitContext c, Node n) {
        Value logits = n.inputs().get(0);
        // the step function checked the label on entry, so this cannot fail
        c.statement("(void)tt_softmax_cross_entropy_at(" + String.join(", ", c.arena(), c.off(logits),
                count(logits), c.off(n.inputs().get(1)), c.off(n.outputs().get(1)), c.off(n.outputs().get(0)))
                + ");");
    }

    static void linearGradInput(CEmitContext c, Node n) {
        Value w = n.inputs().get(1);
        c.call("tt_linear_input_grad", c.arena(), c.off(n.inputs().get(0)), c.floatParam(w),
                i(w.type().shape().dim(0)), i(w.type().shape().dim(1)), c.off(n.output()));
    }

    static void linearGradWeight(CEmitContext c, Node n) {
        c.call("tt_linear_weight_grad", c.arena(), c.off(n.inputs().get(0)), c.off(n.inputs().get(1)),
                count(n.inputs().get(0)), count(n.inputs().get(1)), c.off(n.output()));
    }

    static void dequantizeGrad(CEmitContext c, Node n) {
        c.call("tt_dequantize_backward", c.arena(), c.off(n.inputs().get(0)), count(n.output()),
                c.f(((DequantizeGrad) n.op()).scale()), c.off(n.output()));
    }

    static void avgPoolGrad(CEmitContext c, Node n) {
        AvgPoolGrad op = (AvgPoolGrad) n.op();
        c.call("tt_avg_pool_backward", c.arena(), c.off(n.inputs().get(0)), i(op.height()), i(op.width()),
                i(n.output().type().shape().dim(3)), c.off(n.output()), "0");
    }

    static void addGrad(CEmitContext c, Node n) {
        AddGrad op = (AddGrad) n.op();
        c.call("tt_add_grad", c.arena(), c.off(n.inputs().get(0)), c.off(n.inputs().get(1)), count(n.output()),
                c.f(op.outScale()), c.f(op.operandScale()), c.off(n.output()));
    }

    static void accumulate(CEmitContext c, Node n) {
        c.call("tt_add_f32", c.arena(), c.off(n.inputs().get(0)), c.off(n.inputs().get(1)), count(n.output()),
                c.off(n.output()));
    }

    static void convGradOutput(CEmitContext c, Node n) {
        Shape s = n.output().type().shape();
        c.call("tt_mask_and_scale_output_grad", c.arena(), c.off(n.inputs().get(0)), c.off(n.inputs().get(1)),
                c.floats(((ConvGradOutput) n.op()).effArray()), i((long) s.dim(1) * s.dim(2)), i(s.dim(3)),
                c.off(n.output()));
    }

    static void convGradInput(CEmitContext c, Node n) {
        ConvGradInput op = (ConvGradInput) n.op();
        Value g = n.inputs().get(0);
        Value w = n.inputs().get(1);
        CGeom geom = CGeom.of(op.conv(), op.inHeight(), op.inWidth(), op.inChannels(), g.type().shape(), w);
        String kernel = geom.dense1x1() ? "tt_conv1x1_input_grad"
                : geom.depthwise() ? "tt_depthwise_input_grad" : "tt_conv_input_grad_p";
        c.call(kernel, c.arena(), c.off(g), c.weight(w), c.geom(geom), c.off(n.output()), "0");
    }

    static void convGradWeight(CEmitContext c, Node n) {
        ConvGradWeight op = (ConvGradWeight) n.op();
        Value x = n.inputs().get(0);
        Value g = n.inputs().get(1);
        Value w = n.inputs().get(2);
        Shape xs = x.type().shape();
        CGeom geom = CGeom.of(op.conv(), xs.dim(1), xs.dim(2), xs.dim(3), g.type().shape(), w);
        // a dense conv reads the (sliced) input with all its channels; a depthwise one picks its channels
        List<Integer> ch = CGeom.depthwiseLayout(w) ? op.channels() : List.of();
        c.call("tt_conv_weight_grad_compact", c.arena(), c.off(x), i(x.type().requireQuantization(x.name())
                .zeroPoint()), c.off(g), c.geom(geom), c.ints(ch), i(ch.size()), c.off(n.output()));
    }

    static void convGradBias(CEmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.call("tt_conv_bias_grad", c.arena(), c.off(n.inputs().get(0)), i((long) s.dim(1) * s.dim(2)),
                i(s.dim(3)), c.off(n.output()));
    }

    static void channelSlice(CEmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        List<Integer> ch = ((ChannelSlice) n.op()).channels();
        c.call("tt_channel_slice", c.arena(), c.off(n.inputs().get(0)), i((long) s.dim(1) * s.dim(2)), i(s.dim(3)),
                c.ints(ch), i(ch.size()), c.off(n.output()));
    }

    private static String qas(CEmitContext c, SgdUpdate u) {
        return u.qasDivisors().isEmpty() ? "0" : c.floats(u.qasArray());
    }

    /** The conv that reads weight {@code w} (its geometry is the weight's). */
    private static Node owningConv(CEmitContext c, Node n, Value w) {
        return c.graph().users(w).stream().filter(u -> u.op() instanceof ConvLayer).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("op '" + n.name() + "': int8 parameter %" + w.name()
                        + " is not a conv weight"));
    }

    private static CGeom fullGeometry(CEmitContext c, Node n, Value w) {
        Node conv = owningConv(c, n, w);
        Shape cs = conv.inputs().get(0).type().shape();
        return CGeom.of(((ConvLayer) conv.op()).gradientGeometry().orElseThrow(), cs.dim(1), cs.dim(2), cs.dim(3),
                conv.output().type().shape(), w);
    }

    static void sgdUpdate(CEmitContext c, Node n) {
        SgdUpdate op = (SgdUpdate) n.op();
        Value p = n.inputs().get(0);
        Value g = n.inputs().get(1);
        DType t = p.type().dtype();
        if (t == DType.FLOAT32) {
            c.call("tt_sgd_float", c.floatParam(p), "0", c.arena(), c.off(g), count(p), c.lr(op));
            return;
        }
        if (t == DType.INT32) {
            c.call("tt_update_conv_bias", c.arena(), c.off(g), count(p), c.int32Param(p), c.master(p, op), qas(c, op),
                    c.lr(op), c.mode(op), c.rngKey(op));
            return;
        }
        CGeom geom = fullGeometry(c, n, p);
        c.call("tt_update_conv_weight_compact", c.arena(), c.off(g), c.geom(geom), c.ints(op.channels()),
                i(op.channels().size()), c.weight(p), c.master(p, op), qas(c, op), c.lr(op), c.mode(op),
                c.rngKey(op));
    }

    static void convGradWeightUpdate(CEmitContext c, Node n) {
        ConvGradWeightUpdate op = (ConvGradWeightUpdate) n.op();
        Value x = n.inputs().get(0);
        Value g = n.inputs().get(1);
        Value w = n.inputs().get(2);
        Shape xs = x.type().shape();
        CGeom gradGeom = CGeom.of(op.grad().conv(), xs.dim(1), xs.dim(2), xs.dim(3), g.type().shape(), w);
        CGeom geom = fullGeometry(c, n, w);
        SgdUpdate u = op.update();
        String kernel = gradGeom.dense1x1() ? "tt_conv1x1_weight_grad_update" : "tt_conv_weight_grad_update";
        c.call(kernel, c.arena(), c.off(x), i(x.type().requireQuantization(x.name()).zeroPoint()), c.off(g), c.geom(gradGeom), c.geom(geom), c.ints(u.channels()),
                i(u.channels().size()), c.off(n.output()), c.weight(w), c.master(w, u), qas(c, u), c.lr(u),
                c.mode(u), c.rngKey(u));
    }

    static void convGradBiasUpdate(CEmitContext c, Node n) {
        SgdUpdate u = ((ConvGradBiasUpdate) n.op()).update();
        Value g = n.inputs().get(0);
        Value b = n.inputs().get(1);
        Shape s = g.type().shape();
        c.call("tt_conv_bias_grad_update", c.arena(), c.off(g), i((long) s.dim(1) * s.dim(2)), i(s.dim(3)),
                c.int32Param(b), c.master(b, u), qas(c, u), c.lr(u), c.mode(u), c.rngKey(u));
    }

    static void linearGradWeightUpdate(CEmitContext c, Node n) {
        SgdUpdate u = ((LinearGradWeightUpdate) n.op()).update();
        c.call("tt_linear_weight_grad_update", c.arena(), c.off(n.inputs().get(0)), c.off(n.inputs().get(1)),
                count(n.inputs().get(0)), count(n.inputs().get(1)), c.floatParam(n.inputs().get(2)), c.lr(u));
    }
}
