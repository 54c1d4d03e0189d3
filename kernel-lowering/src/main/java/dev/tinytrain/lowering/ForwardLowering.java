package dev.tinytrain.lowering;

import static dev.tinytrain.lowering.Args.arena;
import static dev.tinytrain.lowering.Args.count;
import static dev.tinytrain.lowering.Args.f;
import static dev.tinytrain.lowering.Args.i;
import static dev.tinytrain.lowering.Args.mask;
import static dev.tinytrain.lowering.Args.off;
import static dev.tinytrain.lowering.Args.param;
import static dev.tinytrain.lowering.Args.q;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.lowering.KernelArg.Storage;
import java.util.Optional;

/** The lowering rules of the forward op kinds (the conv excepted, see {@link NodeLowering#SPECIALISED}). */
final class ForwardLowering {
    private ForwardLowering() {
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
