package dev.tinytrain.lowering;

import static dev.tinytrain.lowering.Args.arena;
import static dev.tinytrain.lowering.Args.bool;
import static dev.tinytrain.lowering.Args.count;
import static dev.tinytrain.lowering.Args.f;
import static dev.tinytrain.lowering.Args.i;
import static dev.tinytrain.lowering.Args.ints;
import static dev.tinytrain.lowering.Args.mask;
import static dev.tinytrain.lowering.Args.off;
import static dev.tinytrain.lowering.Args.param;
import static dev.tinytrain.lowering.Args.q;

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
import dev.tinytrain.ir.ops.TfliteRequant.Multiplier;
import dev.tinytrain.ir.ops.TfliteSoftmax;
import dev.tinytrain.lowering.KernelArg.Storage;
import java.util.Optional;

/**
 * The lowering rules of the TFLite op kinds (imported {@code .tflite} models): the reference kernels' arguments, the
 * quantized multipliers computed here, once, by {@link TfliteRequant}.
 */
final class TfliteLowering {
    private TfliteLowering() {
    }

    /** A conv, or a fully connected layer (a 1x1 conv on a 1x1 input with binary64 scales). */
    static KernelCall conv2d(Node n, LoweringContext c) {
        TfliteConv2d op = (TfliteConv2d) n.op();
        Value x = n.inputs().get(0);
        Value w = n.inputs().get(1);
        Value b = n.inputs().get(2);
        Shape xs = x.type().shape();
        Shape ys = n.output().type().shape();
        Optional<double[]> fullyConnectedScales = op.fullyConnectedScales(x, w);
        if (fullyConnectedScales.isPresent()) {
            double[] eff = fullyConnectedScales.get();
            return KernelCall.of(Kernel.TFL_FULLY_CONNECTED, arena(), off(x), i(xs.dim(3)), i(q(x).zeroPoint()),
                    param(w, Storage.INT8_WEIGHT), param(b, Storage.INT32),
                    new KernelArg.Int64Table(TfliteRequant.significands(eff)), ints(TfliteRequant.exponents(eff)),
                    i(op.output().zeroPoint()), i(op.actMin()), i(op.actMax()), off(n.output()), i(ys.dim(3)),
                    mask(n, c));
        }
        Multiplier[] m = op.multipliers(x, w);
        Shape ws = w.type().shape();
        return KernelCall.of(Kernel.TFL_CONV2D, arena(), off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)),
                i(q(x).zeroPoint()), param(w, Storage.INT8_WEIGHT), i(ws.dim(1)), i(ws.dim(2)), i(op.strideH()),
                i(op.strideW()), i(op.padTop()), i(op.padLeft()), i(op.groups()), param(b, Storage.INT32),
                ints(TfliteRequant.multipliers(m)), ints(TfliteRequant.shifts(m)), i(op.output().zeroPoint()),
                i(op.actMin()), i(op.actMax()), off(n.output()), i(ys.dim(1)), i(ys.dim(2)), i(ys.dim(3)), mask(n, c));
    }

    static KernelCall add(Node n, LoweringContext c) {
        TfliteAdd op = (TfliteAdd) n.op();
        Value a = n.inputs().get(0);
        Value b = n.inputs().get(1);
        Multiplier[] m = TfliteRequant.add((float) q(a).scale(), (float) q(b).scale(), (float) op.output().scale());
        return KernelCall.of(Kernel.TFL_ADD, arena(), off(a), i(q(a).zeroPoint()), i(m[0].multiplier()),
                i(m[0].shift()), off(b), i(q(b).zeroPoint()), i(m[1].multiplier()), i(m[1].shift()),
                count(n.output()), i(m[2].multiplier()), i(m[2].shift()), i(op.output().zeroPoint()),
                i(op.actMin()), i(op.actMax()), off(n.output()), i(TfliteRequant.ADD_LEFT_SHIFT), mask(n, c));
    }

    static KernelCall pad(Node n) {
        TflitePad op = (TflitePad) n.op();
        Value x = n.inputs().get(0);
        Shape xs = x.type().shape();
        Shape ys = n.output().type().shape();
        return KernelCall.of(Kernel.TFL_PAD, arena(), off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)), i(op.top()),
                i(op.left()), i(q(x).zeroPoint()), off(n.output()), i(ys.dim(1)), i(ys.dim(2)));
    }

    static KernelCall mean(Node n) {
        TfliteMean op = (TfliteMean) n.op();
        Value x = n.inputs().get(0);
        Shape xs = x.type().shape();
        int positions = xs.dim(1) * xs.dim(2);
        TfliteRequant.MeanConstants k = TfliteRequant.mean(q(x), op.output(), positions);
        return KernelCall.of(Kernel.TFL_MEAN, arena(), off(x), i(positions), i(xs.dim(3)), bool(k.requantize()),
                i(q(x).zeroPoint()), i(k.multiplier()), i(k.shift()), i(op.output().zeroPoint()), off(n.output()));
    }

    static KernelCall pool(Node n) {
        TflitePool op = (TflitePool) n.op();
        Value x = n.inputs().get(0);
        Shape xs = x.type().shape();
        Shape ys = n.output().type().shape();
        return KernelCall.of(Kernel.TFL_POOL, arena(), off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)),
                bool(op.max()), i(op.filterH()), i(op.filterW()), i(op.strideH()), i(op.strideW()), i(op.padTop()),
                i(op.padLeft()), i(op.actMin()), i(op.actMax()), off(n.output()), i(ys.dim(1)), i(ys.dim(2)));
    }

    static KernelCall concat(Node n) {
        TfliteConcat op = (TfliteConcat) n.op();
        Value a = n.inputs().get(0);
        Value b = n.inputs().get(1);
        return KernelCall.of(Kernel.TFL_CONCAT, arena(), off(a), i(op.chunk(a)), off(b), i(op.chunk(b)),
                i(a.type().elementCount() / op.chunk(a)), off(n.output()));
    }

    static KernelCall relu(Node n, LoweringContext c) {
        Value x = n.inputs().get(0);
        Quantization y = q(n.output());
        Multiplier m = TfliteRequant.relu((float) q(x).scale(), (float) y.scale());
        return KernelCall.of(Kernel.TFL_RELU, arena(), off(x), count(x), i(q(x).zeroPoint()), i(m.multiplier()),
                i(m.shift()), i(y.zeroPoint()), i(((TfliteRelu) n.op()).actMin()), off(n.output()), mask(n, c));
    }

    static KernelCall softmax(Node n) {
        Value x = n.inputs().get(0);
        Shape s = x.type().shape();
        int depth = s.dim(s.rank() - 1);
        TfliteRequant.SoftmaxConstants k = TfliteRequant.softmax(((TfliteSoftmax) n.op()).beta(),
                (float) q(x).scale());
        return KernelCall.of(Kernel.TFL_SOFTMAX, arena(), off(x), i(x.type().elementCount() / depth), i(depth),
                i(k.multiplier()), i(k.leftShift()), i(k.diffMin()), off(n.output()));
    }

    static KernelCall quantize(Node n) {
        Quantization y = q(n.output());
        return KernelCall.of(Kernel.TFL_QUANTIZE, arena(), off(n.inputs().get(0)), count(n.output()),
                f((float) y.scale()), i(y.zeroPoint()), off(n.output()));
    }

    static KernelCall padGrad(Node n) {
        TflitePad op = ((TflitePadGrad) n.op()).pad();
        Shape gs = n.inputs().get(0).type().shape();
        Shape ys = n.output().type().shape();
        return KernelCall.of(Kernel.TFL_PAD_BACKWARD, arena(), off(n.inputs().get(0)), i(gs.dim(1)), i(gs.dim(2)),
                i(gs.dim(3)), i(op.top()), i(op.left()), off(n.output()), i(ys.dim(1)), i(ys.dim(2)));
    }

    static KernelCall poolGrad(Node n) {
        TflitePool op = ((TflitePoolGrad) n.op()).pool();
        Value g = n.inputs().get(0);
        Value x = n.inputs().get(1);
        Shape xs = x.type().shape();
        return KernelCall.of(Kernel.TFL_POOL_BACKWARD, arena(), off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)),
                bool(op.max()), i(op.filterH()), i(op.filterW()), i(op.strideH()), i(op.strideW()), i(op.padTop()),
                i(op.padLeft()), i(op.actMin()), i(op.actMax()), off(g), i(g.type().shape().dim(1)),
                i(g.type().shape().dim(2)), off(n.output()));
    }

    static KernelCall concatGrad(Node n) {
        TfliteConcatGrad op = (TfliteConcatGrad) n.op();
        Shape gs = n.inputs().get(0).type().shape();
        long inner = TfliteConcatGrad.inner(gs, op.axis());
        return KernelCall.of(Kernel.TFL_CONCAT_BACKWARD, arena(), off(n.inputs().get(0)),
                i(TfliteConcatGrad.outer(gs, op.axis())), i(gs.dim(op.axis()) * inner), i(op.start() * inner),
                i(op.length() * inner), off(n.output()));
    }
}
