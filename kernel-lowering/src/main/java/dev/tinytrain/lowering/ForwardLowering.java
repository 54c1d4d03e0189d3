package dev.tinytrain.lowering;

import static dev.tinytrain.lowering.Args.arena;
import static dev.tinytrain.lowering.Args.count;
import static dev.tinytrain.lowering.Args.f;
import static dev.tinytrain.lowering.Args.floats;
import static dev.tinytrain.lowering.Args.i;
import static dev.tinytrain.lowering.Args.mask;
import static dev.tinytrain.lowering.Args.off;
import static dev.tinytrain.lowering.Args.param;
import static dev.tinytrain.lowering.Args.q;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.lowering.KernelArg.Storage;
import java.util.Optional;

/** The lowering rules of the forward op kinds. */
final class ForwardLowering {
    private ForwardLowering() {
    }

    static KernelCall conv2d(Node n, LoweringContext c) {
        return conv(n.inputs().get(0), (Conv2d) n.op(), n.inputs().get(1), n.inputs().get(2), n.output(),
                mask(n, c));
    }

    /** Conv {@code op} from {@code x} to {@code y} with weight {@code w} and bias {@code b}, its mask at {@code mask}. */
    static KernelCall conv(Value x, Conv2d op, Value w, Value b, Value y, KernelArg mask) {
        Shape xs = x.type().shape();
        Shape ys = y.type().shape();
        return KernelCall.of(Kernel.CONV2D, arena(), off(x), i(xs.dim(1)), i(xs.dim(2)), i(xs.dim(3)),
                i(q(x).zeroPoint()), param(w, Storage.INT8_WEIGHT), i(Conv2d.kernelHeight(w)),
                i(Conv2d.kernelWidth(w)), i(op.stride()), i(op.padTop()), i(op.padLeft()), i(op.groups()),
                param(b, Storage.CONV_BIAS), floats(op.effectiveScales(x, w)), i(op.output().zeroPoint()), off(y),
                i(ys.dim(1)), i(ys.dim(2)), i(ys.dim(3)), mask);
    }

    static KernelCall quantizedAdd(Node n, LoweringContext c) {
        Value a = n.inputs().get(0);
        Value b = n.inputs().get(1);
        Quantization y = q(n.output());
        return KernelCall.of(Kernel.QUANTIZED_ADD, arena(), off(a), i(q(a).zeroPoint()), f((float) q(a).scale()),
                off(b), i(q(b).zeroPoint()), f((float) q(b).scale()), count(n.output()), i(y.zeroPoint()),
                f((float) y.scale()), off(n.output()), mask(n, c));
    }

    static KernelCall globalAvgPool(Node n) {
        Shape s = n.inputs().get(0).type().shape();
        return KernelCall.of(Kernel.GLOBAL_AVG_POOL, arena(), off(n.inputs().get(0)), i(s.dim(1)), i(s.dim(2)),
                i(s.dim(3)), off(n.output()));
    }

    static KernelCall dequantize(Node n) {
        Value in = n.inputs().get(0);
        return KernelCall.of(Kernel.DEQUANTIZE, arena(), off(in), count(n.output()), i(q(in).zeroPoint()),
                f((float) q(in).scale()), off(n.output()));
    }

    static KernelCall linear(Node n) {
        Value w = n.inputs().get(1);
        return KernelCall.of(Kernel.LINEAR, arena(), off(n.inputs().get(0)), i(w.type().shape().dim(1)),
                param(w, Storage.FLOAT32), param(n.inputs().get(2), Storage.FLOAT32), i(w.type().shape().dim(0)),
                off(n.output()));
    }

    /** A reshape moves no data when the plan puts input and result at one offset; otherwise it is one copy. */
    static Optional<KernelCall> reshape(Node n, LoweringContext c) {
        Value in = n.inputs().get(0);
        if (c.samePlace(in, n.output())) {
            return Optional.empty();
        }
        int bytes = Math.toIntExact(in.type().dtype().byteSize(((Reshape) n.op()).shape().elementCount()));
        return Optional.of(KernelCall.of(Kernel.MOVE_BYTES, arena(), off(in), arena(), off(n.output()),
                new KernelArg.ByteCount(bytes)));
    }
}
