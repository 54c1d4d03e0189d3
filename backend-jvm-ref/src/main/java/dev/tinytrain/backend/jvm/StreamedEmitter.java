package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.FastStreamedBackward;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.backend.jvm.kernels.StreamedKernels;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.ir.ops.StreamedBackward;
import dev.tinytrain.ir.ops.StreamedBackward.Operands;
import java.lang.reflect.Method;
import dev.tinytrain.lowering.KernelArg;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The emitter of a channel-streamed backward region: the region lowered into a {@link StreamedKernels.Region}
 * (offsets, geometry, scales, parameter storage) and run by {@link FastStreamedBackward} (the bits of
 * {@link StreamedKernels#streamedBackward}), with the learning rates and stochastic-rounding keys of its four possible
 * updates computed at each step.
 */
final class StreamedEmitter {
    private static final Method FAST_STREAMED_BACKWARD = KernelMethods.of(FastStreamedBackward.class, "run");

    private StreamedEmitter() {
    }

    static void streamedBackward(EmitContext c, Node n) {
        StreamedBackward op = (StreamedBackward) n.op();
        Operands at = op.operands();
        List<Value> in = n.inputs();
        Value g = in.get(Operands.GRADIENT);
        Value dwWeight = in.get(Operands.DEPTHWISE_WEIGHT);
        Shape gs = g.type().shape();
        int ch = dwWeight.type().shape().dim(3);
        ConvGeom dw = JvmKernelPrinter.convGeom(KernelArg.ConvGeometry.of(op.depthwise(), op.inHeight(),
                op.inWidth(), ch, Shape.of(1, gs.dim(1), gs.dim(2), ch), dwWeight));
        ConvGeom exp = null;
        if (op.deep()) {
            int cin = in.get(at.expansionWeight()).type().shape().dim(3);
            exp = new ConvGeom(op.inHeight(), op.inWidth(), cin, op.inHeight(), op.inWidth(), ch, 1, 1, 1, 1, 0, 0, 1);
        }
        StreamedKernels.Region region = new StreamedKernels.Region(gs.dim(3), c.offsetOf(g),
                (byte[]) c.parameterArray(in.get(Operands.PROJECTION_WEIGHT)), dw,
                c.offsetOf(in.get(Operands.DEPTHWISE_MASK)), op.depthwiseEffArray(),
                (byte[]) c.parameterArray(dwWeight), biasUpdate(c, op.depthwiseBias(), in, at.depthwiseBias()),
                weightUpdate(c, op.depthwiseWeight(), dwWeight), offset(c, in, at.depthwiseInput()),
                StreamedBackward.zeroPoint(in, at.depthwiseInput()), exp, offset(c, in, at.expansionMask()),
                op.deep() ? op.expansionEffArray() : null,
                op.deep() ? (byte[]) c.parameterArray(in.get(at.expansionWeight())) : null,
                biasUpdate(c, op.expansionBias(), in, at.expansionBias()),
                op.deep() ? weightUpdate(c, op.expansionWeight(), in.get(at.expansionWeight())) : null,
                offset(c, in, at.expansionInput()), StreamedBackward.zeroPoint(in, at.expansionInput()),
                op.inputGradient() ? c.offsetOf(n.outputs().get(op.inputGradientResult())) : -1,
                c.offsetOf(n.outputs().get(0)),
                op.deep() ? c.offsetOf(n.outputs().get(op.depthwiseInputPlaneResult())) : -1,
                c.offsetOf(n.outputs().get(op.vectorResult())), op.group());
        c.constant(new FastStreamedBackward(region, c.scratch()));
        c.arena();
        for (Optional<SgdUpdate> u : List.of(op.depthwiseBias(), op.depthwiseWeight(), op.expansionBias(),
                op.expansionWeight())) {
            if (u.isPresent()) {
                JvmKernelPrinter.learningRate(c, u.get().lr());
                JvmKernelPrinter.rngKey(c, u.get().paramId());
            } else {
                c.pushFloat(0.0f);
                c.pushInt(0);
            }
        }
        c.invoke(FAST_STREAMED_BACKWARD);
    }

    private static StreamedKernels.Update biasUpdate(EmitContext c, Optional<SgdUpdate> u, List<Value> in, int at) {
        if (u.isEmpty()) {
            return null;
        }
        Value b = in.get(at);
        RoundingMode mode = mode(u.get());
        return new StreamedKernels.Update(c.parameters().int32(b.name()), (float[]) c.parameterArray(b),
                mode == RoundingMode.FLOAT_MASTER ? c.parameters().master(b.name()) : null, qas(u.get()), null, mode);
    }

    private static StreamedKernels.Update weightUpdate(EmitContext c, Optional<SgdUpdate> u, Value w) {
        if (u.isEmpty()) {
            return null;
        }
        RoundingMode mode = mode(u.get());
        return new StreamedKernels.Update(null, null,
                mode == RoundingMode.FLOAT_MASTER ? c.parameters().master(w.name()) : null, qas(u.get()),
                u.get().channels().isEmpty() ? null
                        : u.get().channels().stream().mapToInt(Integer::intValue).toArray(), mode);
    }

    private static RoundingMode mode(SgdUpdate u) {
        return RoundingMode.valueOf(u.rounding().toUpperCase(Locale.ROOT));
    }

    private static float[] qas(SgdUpdate u) {
        return u.qasDivisors().isEmpty() ? null : u.qasArray();
    }

    private static int offset(EmitContext c, List<Value> in, int at) {
        return at < 0 ? -1 : c.offsetOf(in.get(at));
    }

}
