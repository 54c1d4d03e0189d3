package dev.tinytrain.backend.c;

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
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The C emitters of the TFLite op kinds: each writes the {@code tt_tflite.c} call with the arguments
 * {@code TfliteEmitters} of backend-jvm-ref passes to {@code TfliteKernels}, the multipliers computed by the
 * same {@link TfliteRequant}.
 */
final class TfliteCEmitters {
    private TfliteCEmitters() {
    }

    private static String i(long v) {
        return Long.toString(Math.toIntExact(v));
    }

    private static Quantization q(Value v) {
        return v.type().requireQuantization(v.name());
    }

    private static String table(CEmitContext c, int[] values) {
        return c.ints(Arrays.stream(values).boxed().toList());
    }

    /**
     * The int32 array of a bias: the forward's first bias argument, or for a bias trained in {@code float_master}
     * mode (whose forward argument is the master) its int32 storage, which every update rounds the master into
     * (the TFLite kernels accumulate in int32, as the JVM's read {@code ParameterArrays.int32}).
     */
    private static String bias(CEmitContext c, Value b) {
        String first = c.biasArgs(b).split(", ")[0];
        return first.equals("0") ? c.int32Param(b) : first;
    }

    /** The clamp mask result's offset when the node keeps one (training), else -1. */
    private static String maskOffset(CEmitContext c, Node n) {
        return n.outputs().size() > 1 ? c.off(n.outputs().get(1)) : "-1";
    }

    static void conv2d(CEmitContext c, Node n) {
        TfliteConv2d op = (TfliteConv2d) n.op();
        Value x = n.inputs().get(0);
        Value w = n.inputs().get(1);
        Value b = n.inputs().get(2);
        Shape xs = x.type().shape();
        Shape ys = n.output().type().shape();
        Optional<double[]> fullyConnectedScales = op.fullyConnectedScales(x, w);
        if (fullyConnectedScales.isPresent()) {
            double[] eff = fullyConnectedScales.get();
            // the binary64 significands as a block-scope table: CEmitContext has int32 and float tables only
            String significands = Arrays.stream(TfliteRequant.significands(eff)).mapToObj(v -> "INT64_C(" + v + ")")
                    .collect(Collectors.joining(", "));
            c.statement("{");
            c.statement("    static const int64_t significand[" + eff.length + "] = {" + significands + "};");
            c.call("tt_tfl_fully_connected", c.arena(), c.off(x), i(xs.dim(3)), i(q(x).zeroPoint()), c.weight(w),
                    bias(c, b), "significand", table(c, TfliteRequant.exponents(eff)), i(op.output().zeroPoint()),
                    i(op.actMin()), i(op.actMax()), c.off(n.output()), i(ys.dim(3)), maskOffset(c, n));
            c.statement("}");
            return;
        }
        Multiplier[] m = op.multipliers(x, w);
        c.call("tt_tfl_conv2d", c.arena(), c.off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)), i(q(x).zeroPoint()),
                c.weight(w), i(w.type().shape().dim(1)), i(w.type().shape().dim(2)), i(op.strideH()),
                i(op.strideW()), i(op.padTop()), i(op.padLeft()), i(op.groups()), bias(c, b),
                table(c, TfliteRequant.multipliers(m)), table(c, TfliteRequant.shifts(m)),
                i(op.output().zeroPoint()), i(op.actMin()), i(op.actMax()), c.off(n.output()), i(ys.dim(1)),
                i(ys.dim(2)), i(ys.dim(3)), maskOffset(c, n));
    }

    static void add(CEmitContext c, Node n) {
        TfliteAdd op = (TfliteAdd) n.op();
        Value a = n.inputs().get(0);
        Value b = n.inputs().get(1);
        Multiplier[] m = TfliteRequant.add((float) q(a).scale(), (float) q(b).scale(), (float) op.output().scale());
        c.call("tt_tfl_add", c.arena(), c.off(a), i(q(a).zeroPoint()), i(m[0].multiplier()), i(m[0].shift()),
                c.off(b), i(q(b).zeroPoint()), i(m[1].multiplier()), i(m[1].shift()),
                i(n.output().type().elementCount()), i(m[2].multiplier()), i(m[2].shift()),
                i(op.output().zeroPoint()), i(op.actMin()), i(op.actMax()), c.off(n.output()),
                i(TfliteRequant.ADD_LEFT_SHIFT), maskOffset(c, n));
    }

    static void pad(CEmitContext c, Node n) {
        TflitePad op = (TflitePad) n.op();
        Value x = n.inputs().get(0);
        Shape xs = x.type().shape();
        Shape ys = n.output().type().shape();
        c.call("tt_tfl_pad", c.arena(), c.off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)), i(op.top()),
                i(op.left()), i(q(x).zeroPoint()), c.off(n.output()), i(ys.dim(1)), i(ys.dim(2)));
    }

    static void mean(CEmitContext c, Node n) {
        TfliteMean op = (TfliteMean) n.op();
        Value x = n.inputs().get(0);
        Shape xs = x.type().shape();
        int positions = xs.dim(1) * xs.dim(2);
        TfliteRequant.MeanConstants k = TfliteRequant.mean(q(x), op.output(), positions);
        c.call("tt_tfl_mean", c.arena(), c.off(x), i(positions), i(xs.dim(3)), k.requantize() ? "1" : "0",
                i(q(x).zeroPoint()), i(k.multiplier()), i(k.shift()), i(op.output().zeroPoint()), c.off(n.output()));
    }

    static void pool(CEmitContext c, Node n) {
        TflitePool op = (TflitePool) n.op();
        Value x = n.inputs().get(0);
        Shape xs = x.type().shape();
        Shape ys = n.output().type().shape();
        c.call("tt_tfl_pool", c.arena(), c.off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)), op.max() ? "1" : "0",
                i(op.filterH()), i(op.filterW()), i(op.strideH()), i(op.strideW()), i(op.padTop()), i(op.padLeft()),
                i(op.actMin()), i(op.actMax()), c.off(n.output()), i(ys.dim(1)), i(ys.dim(2)));
    }

    static void concat(CEmitContext c, Node n) {
        TfliteConcat op = (TfliteConcat) n.op();
        Value a = n.inputs().get(0);
        Value b = n.inputs().get(1);
        c.call("tt_tfl_concat", c.arena(), c.off(a), i(op.chunk(a)), c.off(b), i(op.chunk(b)),
                i(a.type().elementCount() / op.chunk(a)), c.off(n.output()));
    }

    static void relu(CEmitContext c, Node n) {
        Value x = n.inputs().get(0);
        Quantization y = q(n.output());
        Multiplier m = TfliteRequant.relu((float) q(x).scale(), (float) y.scale());
        c.call("tt_tfl_relu", c.arena(), c.off(x), i(x.type().elementCount()), i(q(x).zeroPoint()),
                i(m.multiplier()), i(m.shift()), i(y.zeroPoint()), i(((TfliteRelu) n.op()).actMin()),
                c.off(n.output()), maskOffset(c, n));
    }

    static void softmax(CEmitContext c, Node n) {
        Value x = n.inputs().get(0);
        Shape s = x.type().shape();
        int depth = s.dim(s.rank() - 1);
        TfliteRequant.SoftmaxConstants k = TfliteRequant.softmax(((TfliteSoftmax) n.op()).beta(),
                (float) q(x).scale());
        c.call("tt_tfl_softmax", c.arena(), c.off(x), i(x.type().elementCount() / depth), i(depth),
                i(k.multiplier()), i(k.leftShift()), i(k.diffMin()), c.off(n.output()));
    }

    static void quantize(CEmitContext c, Node n) {
        Quantization y = q(n.output());
        c.call("tt_tfl_quantize", c.arena(), c.off(n.inputs().get(0)), i(n.output().type().elementCount()),
                c.f((float) y.scale()), i(y.zeroPoint()), c.off(n.output()));
    }

    static void padGrad(CEmitContext c, Node n) {
        TflitePad op = ((TflitePadGrad) n.op()).pad();
        Shape gs = n.inputs().get(0).type().shape();
        Shape ys = n.output().type().shape();
        c.call("tt_tfl_pad_backward", c.arena(), c.off(n.inputs().get(0)), i(gs.dim(1)), i(gs.dim(2)), i(gs.dim(3)),
                i(op.top()), i(op.left()), c.off(n.output()), i(ys.dim(1)), i(ys.dim(2)));
    }

    static void poolGrad(CEmitContext c, Node n) {
        TflitePool op = ((TflitePoolGrad) n.op()).pool();
        Value g = n.inputs().get(0);
        Value x = n.inputs().get(1);
        Shape xs = x.type().shape();
        c.call("tt_tfl_pool_backward", c.arena(), c.off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)),
                op.max() ? "1" : "0", i(op.filterH()), i(op.filterW()), i(op.strideH()), i(op.strideW()),
                i(op.padTop()), i(op.padLeft()), i(op.actMin()), i(op.actMax()), c.off(g),
                i(g.type().shape().dim(1)), i(g.type().shape().dim(2)), c.off(n.output()));
    }

    static void concatGrad(CEmitContext c, Node n) {
        TfliteConcatGrad op = (TfliteConcatGrad) n.op();
        Shape gs = n.inputs().get(0).type().shape();
        long inner = TfliteConcatGrad.inner(gs, op.axis());
        c.call("tt_tfl_concat_backward", c.arena(), c.off(n.inputs().get(0)),
                i(TfliteConcatGrad.outer(gs, op.axis())), i(gs.dim(op.axis()) * inner), i(op.start() * inner),
                i(op.length() * inner), c.off(n.output()));
    }
}
