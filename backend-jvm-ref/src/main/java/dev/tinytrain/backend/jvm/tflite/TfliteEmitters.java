package dev.tinytrain.backend.jvm.tflite;

import dev.tinytrain.backend.jvm.EmitContext;
import dev.tinytrain.backend.jvm.KernelMethods;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.TfliteAdd;
import dev.tinytrain.ir.ops.TfliteConcat;
import dev.tinytrain.ir.ops.TfliteConcatGrad;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.ops.TfliteMean;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.ir.ops.TflitePadGrad;
import dev.tinytrain.ir.ops.TflitePool;
import dev.tinytrain.ir.ops.TflitePoolGrad;
import dev.tinytrain.ir.ops.TfliteRelu;
import dev.tinytrain.ir.ops.TfliteRequant;
import dev.tinytrain.ir.ops.TfliteSoftmax;
import dev.tinytrain.ir.ops.TfliteRequant.Multiplier;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * The JVM emitters of the TFLite op kinds: each turns one node into one call of {@link TfliteKernels}, with the
 * quantized multipliers computed here, once, by {@link TfliteRequant} ({@code TfliteCEmitters} of backend-cmsis-c
 * passes the same arguments to {@code tt_tflite.c}).
 */
public final class TfliteEmitters {
    private static final Method FULLY_CONNECTED = KernelMethods.of(TfliteKernels.class, "fullyConnected");
    private static final Method CONV2D = KernelMethods.of(TfliteKernels.class, "conv2d");
    private static final Method ADD = KernelMethods.of(TfliteKernels.class, "add");
    private static final Method PAD = KernelMethods.of(TfliteKernels.class, "pad");
    private static final Method MEAN = KernelMethods.of(TfliteKernels.class, "mean");
    private static final Method POOL = KernelMethods.of(TfliteKernels.class, "pool");
    private static final Method CONCAT = KernelMethods.of(TfliteKernels.class, "concat");
    private static final Method RELU = KernelMethods.of(TfliteKernels.class, "relu");
    private static final Method SOFTMAX = KernelMethods.of(TfliteKernels.class, "softmax");
    private static final Method QUANTIZE = KernelMethods.of(TfliteKernels.class, "quantize");
    private static final Method PAD_BACKWARD = KernelMethods.of(TfliteBackwardKernels.class, "padBackward");
    private static final Method POOL_BACKWARD = KernelMethods.of(TfliteBackwardKernels.class, "poolBackward");
    private static final Method CONCAT_BACKWARD = KernelMethods.of(TfliteBackwardKernels.class, "concatBackward");

    private TfliteEmitters() {
    }

    /** Pushes the arena, then the offset, height, width and channels of the NHWC tensor {@code x}. */
    private static void arenaAndNhwc(EmitContext c, Value x) {
        Shape s = x.type().shape();
        c.arena();
        c.offset(x);
        pushInts(c, s.dim(1), s.dim(2), s.dim(3));
    }

    /** Pushes int arguments, in order. */
    private static void pushInts(EmitContext c, int... values) {
        for (int v : values) {
            c.pushInt(v);
        }
    }

    /**
     * Pushes the tail shared by the requantizing kernels: the output zero point, the clamp {@code [min, max]} and
     * the output's offset.
     */
    private static void requantizedOutput(EmitContext c, Quantization output, int min, int max, Value y) {
        pushInts(c, output.zeroPoint(), min, max);
        c.offset(y);
    }

    /** Pushes the output's offset, then its height and width (the NHWC kernels' output size). */
    private static void outputAndSize(EmitContext c, Value y) {
        Shape s = y.type().shape();
        c.offset(y);
        pushInts(c, s.dim(1), s.dim(2));
    }

    /** Pushes the offset of the node's clamp mask when it keeps one (training), else -1. */
    private static void maskOffset(EmitContext c, Node n) {
        if (n.outputs().size() > 1) {
            c.offset(n.outputs().get(1));
        } else {
            c.pushInt(-1);
        }
    }

    private static Quantization q(Value v) {
        return v.type().requireQuantization(v.name());
    }

    private static int count(Value v) {
        return Math.toIntExact(v.type().elementCount());
    }

    /** {@code TFLITE_CONV2D}. */
    public static void conv2d(EmitContext c, Node n) {
        TfliteConv2d op = (TfliteConv2d) n.op();
        Value x = n.inputs().get(0);
        Value w = n.inputs().get(1);
        Value b = n.inputs().get(2);
        Shape xs = x.type().shape();
        Shape ys = n.output().type().shape();
        Optional<double[]> fullyConnectedScales = op.fullyConnectedScales(x, w);
        if (fullyConnectedScales.isPresent()) {
            double[] eff = fullyConnectedScales.get();
            c.arena();
            c.offset(x);
            pushInts(c, xs.dim(3), q(x).zeroPoint());
            c.constant(c.parameterArray(w));
            c.constant(c.parameters().int32(b.name()));
            c.constant(TfliteRequant.significands(eff));
            c.constant(TfliteRequant.exponents(eff));
            requantizedOutput(c, op.output(), op.actMin(), op.actMax(), n.output());
            c.pushInt(ys.dim(3));
            maskOffset(c, n);
            c.invoke(FULLY_CONNECTED);
            return;
        }
        Multiplier[] m = op.multipliers(x, w);
        arenaAndNhwc(c, x);
        c.pushInt(q(x).zeroPoint());
        c.constant(c.parameterArray(w));
        pushInts(c, w.type().shape().dim(1), w.type().shape().dim(2), op.strideH(), op.strideW(), op.padTop(),
                op.padLeft(), op.groups());
        c.constant(c.parameters().int32(b.name()));
        c.constant(TfliteRequant.multipliers(m));
        c.constant(TfliteRequant.shifts(m));
        requantizedOutput(c, op.output(), op.actMin(), op.actMax(), n.output());
        pushInts(c, ys.dim(1), ys.dim(2), ys.dim(3));
        maskOffset(c, n);
        c.invoke(CONV2D);
    }

    /** {@code TFLITE_ADD}. */
    public static void add(EmitContext c, Node n) {
        TfliteAdd op = (TfliteAdd) n.op();
        Value a = n.inputs().get(0);
        Value b = n.inputs().get(1);
        Multiplier[] m = TfliteRequant.add((float) q(a).scale(), (float) q(b).scale(), (float) op.output().scale());
        c.arena();
        c.offset(a);
        pushInts(c, q(a).zeroPoint(), m[0].multiplier(), m[0].shift());
        c.offset(b);
        pushInts(c, q(b).zeroPoint(), m[1].multiplier(), m[1].shift(), count(n.output()), m[2].multiplier(),
                m[2].shift());
        requantizedOutput(c, op.output(), op.actMin(), op.actMax(), n.output());
        c.pushInt(TfliteRequant.ADD_LEFT_SHIFT);
        maskOffset(c, n);
        c.invoke(ADD);
    }

    /** {@code TFLITE_PAD}. */
    public static void pad(EmitContext c, Node n) {
        TflitePad op = (TflitePad) n.op();
        Value x = n.inputs().get(0);
        arenaAndNhwc(c, x);
        pushInts(c, op.top(), op.left(), q(x).zeroPoint());
        outputAndSize(c, n.output());
        c.invoke(PAD);
    }

    /** {@code TFLITE_MEAN}. */
    public static void mean(EmitContext c, Node n) {
        TfliteMean op = (TfliteMean) n.op();
        Value x = n.inputs().get(0);
        Shape xs = x.type().shape();
        TfliteRequant.MeanConstants k = TfliteRequant.mean(q(x), op.output(), xs.dim(1) * xs.dim(2));
        c.arena();
        c.offset(x);
        pushInts(c, xs.dim(1) * xs.dim(2), xs.dim(3), k.requantize() ? 1 : 0, q(x).zeroPoint(), k.multiplier(),
                k.shift(), op.output().zeroPoint());
        c.offset(n.output());
        c.invoke(MEAN);
    }

    /** {@code TFLITE_POOL}. */
    public static void pool(EmitContext c, Node n) {
        TflitePool op = (TflitePool) n.op();
        arenaAndNhwc(c, n.inputs().get(0));
        pushInts(c, op.max() ? 1 : 0, op.filterH(), op.filterW(), op.strideH(), op.strideW(), op.padTop(),
                op.padLeft(), op.actMin(), op.actMax());
        outputAndSize(c, n.output());
        c.invoke(POOL);
    }

    /** {@code TFLITE_CONCAT}. */
    public static void concat(EmitContext c, Node n) {
        TfliteConcat op = (TfliteConcat) n.op();
        Value a = n.inputs().get(0);
        Value b = n.inputs().get(1);
        c.arena();
        c.offset(a);
        c.pushInt(op.chunk(a));
        c.offset(b);
        c.pushInt(op.chunk(b));
        c.pushInt(count(a) / op.chunk(a));
        c.offset(n.output());
        c.invoke(CONCAT);
    }

    /** {@code TFLITE_RELU}. */
    public static void relu(EmitContext c, Node n) {
        Value x = n.inputs().get(0);
        Quantization y = q(n.output());
        Multiplier m = TfliteRequant.relu((float) q(x).scale(), (float) y.scale());
        c.arena();
        c.offset(x);
        pushInts(c, count(x), q(x).zeroPoint(), m.multiplier(), m.shift(), y.zeroPoint(),
                ((TfliteRelu) n.op()).actMin());
        c.offset(n.output());
        maskOffset(c, n);
        c.invoke(RELU);
    }

    /** {@code TFLITE_SOFTMAX}. */
    public static void softmax(EmitContext c, Node n) {
        Value x = n.inputs().get(0);
        Shape s = x.type().shape();
        int depth = s.dim(s.rank() - 1);
        TfliteRequant.SoftmaxConstants k = TfliteRequant.softmax(((TfliteSoftmax) n.op()).beta(),
                (float) q(x).scale());
        c.arena();
        c.offset(x);
        pushInts(c, count(x) / depth, depth, k.multiplier(), k.leftShift(), k.diffMin());
        c.offset(n.output());
        c.invoke(SOFTMAX);
    }

    /** {@code TFLITE_QUANTIZE}. */
    public static void quantize(EmitContext c, Node n) {
        Quantization y = q(n.output());
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(count(n.output()));
        c.pushFloat((float) y.scale());
        c.pushInt(y.zeroPoint());
        c.offset(n.output());
        c.invoke(QUANTIZE);
    }

    /** {@code TFLITE_PAD_GRAD}. */
    public static void padGrad(EmitContext c, Node n) {
        TflitePad op = ((TflitePadGrad) n.op()).pad();
        arenaAndNhwc(c, n.inputs().get(0));
        pushInts(c, op.top(), op.left());
        outputAndSize(c, n.output());
        c.invoke(PAD_BACKWARD);
    }

    /** {@code TFLITE_POOL_GRAD}. */
    public static void poolGrad(EmitContext c, Node n) {
        TflitePool op = ((TflitePoolGrad) n.op()).pool();
        Value g = n.inputs().get(0);
        arenaAndNhwc(c, n.inputs().get(1));
        pushInts(c, op.max() ? 1 : 0, op.filterH(), op.filterW(), op.strideH(), op.strideW(), op.padTop(),
                op.padLeft(), op.actMin(), op.actMax());
        c.offset(g);
        pushInts(c, g.type().shape().dim(1), g.type().shape().dim(2));
        c.offset(n.output());
        c.invoke(POOL_BACKWARD);
    }

    /** {@code TFLITE_CONCAT_GRAD}. */
    public static void concatGrad(EmitContext c, Node n) {
        TfliteConcatGrad op = (TfliteConcatGrad) n.op();
        Shape gs = n.inputs().get(0).type().shape();
        long inner = TfliteConcatGrad.inner(gs, op.axis());
        c.arena();
        c.offset(n.inputs().get(0));
        pushInts(c, Math.toIntExact(TfliteConcatGrad.outer(gs, op.axis())), Math.toIntExact(gs.dim(op.axis()) * inner),
                Math.toIntExact(op.start() * inner), Math.toIntExact(op.length() * inner));
        c.offset(n.output());
        c.invoke(CONCAT_BACKWARD);
    }
}
