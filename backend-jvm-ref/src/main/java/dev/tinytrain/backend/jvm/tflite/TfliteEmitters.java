package dev.tinytrain.backend.jvm.tflite;

import dev.tinytrain.backend.jvm.EmitContext;
import dev.tinytrain.backend.jvm.KernelMethods;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.TfliteAdd;
import dev.tinytrain.ir.ops.TfliteConcat;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.ops.TfliteMean;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.ir.ops.TflitePool;
import dev.tinytrain.ir.ops.TfliteRequant;
import dev.tinytrain.ir.ops.TfliteSoftmax;
import dev.tinytrain.ir.ops.TfliteRequant.Multiplier;
import java.lang.reflect.Method;

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

    private TfliteEmitters() {
    }

    /** Pushes the arena, then the offset, height, width and channels of the NHWC tensor {@code x}. */
    private static void arenaAndNhwc(EmitContext c, Value x) {
        Shape s = x.type().shape();
        c.arena();
        c.offset(x);
        c.pushInt(s.dim(1));
        c.pushInt(s.dim(2));
        c.pushInt(s.dim(3));
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
        if (op.fullyConnected() && !q(w).isPerTensor()) {
            double[] eff = TfliteRequant.fullyConnectedScales((float) q(x).scale(), TfliteConv2d.weightScales(w),
                    (float) op.output().scale());
            c.arena();
            c.offset(x);
            c.pushInt(xs.dim(3));
            c.pushInt(q(x).zeroPoint());
            c.constant(c.parameterArray(w));
            c.constant(c.parameters().int32(b.name()));
            c.constant(TfliteRequant.significands(eff));
            c.constant(TfliteRequant.exponents(eff));
            c.pushInt(op.output().zeroPoint());
            c.pushInt(op.actMin());
            c.pushInt(op.actMax());
            c.offset(n.output());
            c.pushInt(ys.dim(3));
            c.invoke(FULLY_CONNECTED);
            return;
        }
        Multiplier[] m = op.multipliers(x, w);
        arenaAndNhwc(c, x);
        c.pushInt(q(x).zeroPoint());
        c.constant(c.parameterArray(w));
        c.pushInt(w.type().shape().dim(1));
        c.pushInt(w.type().shape().dim(2));
        c.pushInt(op.strideH());
        c.pushInt(op.strideW());
        c.pushInt(op.padTop());
        c.pushInt(op.padLeft());
        c.pushInt(op.groups());
        c.constant(c.parameters().int32(b.name()));
        c.constant(TfliteRequant.multipliers(m));
        c.constant(TfliteRequant.shifts(m));
        c.pushInt(op.output().zeroPoint());
        c.pushInt(op.actMin());
        c.pushInt(op.actMax());
        c.offset(n.output());
        c.pushInt(ys.dim(1));
        c.pushInt(ys.dim(2));
        c.pushInt(ys.dim(3));
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
        c.pushInt(q(a).zeroPoint());
        c.pushInt(m[0].multiplier());
        c.pushInt(m[0].shift());
        c.offset(b);
        c.pushInt(q(b).zeroPoint());
        c.pushInt(m[1].multiplier());
        c.pushInt(m[1].shift());
        c.pushInt(count(n.output()));
        c.pushInt(m[2].multiplier());
        c.pushInt(m[2].shift());
        c.pushInt(op.output().zeroPoint());
        c.pushInt(op.actMin());
        c.pushInt(op.actMax());
        c.offset(n.output());
        c.pushInt(TfliteRequant.ADD_LEFT_SHIFT);
        c.invoke(ADD);
    }

    /** {@code TFLITE_PAD}. */
    public static void pad(EmitContext c, Node n) {
        TflitePad op = (TflitePad) n.op();
        Value x = n.inputs().get(0);
        Shape ys = n.output().type().shape();
        arenaAndNhwc(c, x);
        c.pushInt(op.top());
        c.pushInt(op.left());
        c.pushInt(q(x).zeroPoint());
        c.offset(n.output());
        c.pushInt(ys.dim(1));
        c.pushInt(ys.dim(2));
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
        c.pushInt(xs.dim(1) * xs.dim(2));
        c.pushInt(xs.dim(3));
        c.pushInt(k.requantize() ? 1 : 0);
        c.pushInt(q(x).zeroPoint());
        c.pushInt(k.multiplier());
        c.pushInt(k.shift());
        c.pushInt(op.output().zeroPoint());
        c.offset(n.output());
        c.invoke(MEAN);
    }

    /** {@code TFLITE_POOL}. */
    public static void pool(EmitContext c, Node n) {
        TflitePool op = (TflitePool) n.op();
        Value x = n.inputs().get(0);
        Shape ys = n.output().type().shape();
        arenaAndNhwc(c, x);
        c.pushInt(op.max() ? 1 : 0);
        c.pushInt(op.filterH());
        c.pushInt(op.filterW());
        c.pushInt(op.strideH());
        c.pushInt(op.strideW());
        c.pushInt(op.padTop());
        c.pushInt(op.padLeft());
        c.pushInt(op.actMin());
        c.pushInt(op.actMax());
        c.offset(n.output());
        c.pushInt(ys.dim(1));
        c.pushInt(ys.dim(2));
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
        c.pushInt(count(x));
        c.pushInt(q(x).zeroPoint());
        c.pushInt(m.multiplier());
        c.pushInt(m.shift());
        c.pushInt(y.zeroPoint());
        c.pushInt(Math.max(-128, y.zeroPoint()));
        c.offset(n.output());
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
        c.pushInt(count(x) / depth);
        c.pushInt(depth);
        c.pushInt(k.multiplier());
        c.pushInt(k.leftShift());
        c.pushInt(k.diffMin());
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
}
