package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.FastConvInputGrad;
import dev.tinytrain.backend.jvm.fast.FastConvWeightGradUpdate;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradWeightUpdate;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;

/**
 * The specialised emitters of the conv input gradient and the fused weight gradient and update (a fast kernel object
 * per node), and the helpers the other specialised emitters share; every other training kind is lowered by
 * {@code NodeLowering} and printed by {@link JvmKernelPrinter}.
 */
final class TrainingEmitters {
    private static final Method FAST_CONV_INPUT_GRAD = KernelMethods.of(FastConvInputGrad.class, "run");
    private static final Method FAST_CONV_WEIGHT_GRAD_UPDATE = KernelMethods.of(FastConvWeightGradUpdate.class, "run");

    private TrainingEmitters() {
    }

    static void convGradInput(EmitContext c, Node n) {
        ConvGradInput op = (ConvGradInput) n.op();
        Value g = n.inputs().get(0);
        Value w = n.inputs().get(1);
        ConvGeom geom = geometry(op.conv(), op.inHeight(), op.inWidth(), op.inChannels(), g.type().shape(), w);
        c.constant(new FastConvInputGrad((byte[]) c.parameterArray(w), geom, !ForwardEmitters.updatedInPlace(c, w),
                c.scratch()));
        c.arena();
        c.offset(g);
        c.offset(n.output());
        c.pushInt(0);
        c.invoke(FAST_CONV_INPUT_GRAD);
    }

    static void convGradWeightUpdate(EmitContext c, Node n) {
        ConvGradWeightUpdate op = (ConvGradWeightUpdate) n.op();
        Value x = n.inputs().get(0);
        Value g = n.inputs().get(1);
        Value w = n.inputs().get(2);
        Shape xs = x.type().shape();
        ConvGeom gradGeom = geometry(op.grad().conv(), xs.dim(1), xs.dim(2), xs.dim(3), g.type().shape(), w);
        Node conv = owningConv(c, n, w);
        Shape cs = conv.inputs().get(0).type().shape();
        ConvGeom geom = geometry(((ConvLayer) conv.op()).gradientGeometry().orElseThrow(), cs.dim(1), cs.dim(2),
                cs.dim(3), conv.output().type().shape(), w);
        SgdUpdate u = op.update();
        RoundingMode mode = mode(u);
        c.constant(new FastConvWeightGradUpdate(x.type().requireQuantization(x.name()).zeroPoint(), gradGeom, geom,
                u.channels().isEmpty() ? null : ints(u.channels()), (byte[]) c.parameterArray(w),
                mode == RoundingMode.FLOAT_MASTER ? c.parameters().master(w.name()) : null,
                u.qasDivisors().isEmpty() ? null : u.qasArray(), mode, c.scratch()));
        c.arena();
        c.offset(x);
        c.offset(g);
        c.offset(n.output());
        lr(c, u);
        rngKey(c, u);
        c.invoke(FAST_CONV_WEIGHT_GRAD_UPDATE);
    }

    static RoundingMode mode(SgdUpdate u) {
        return RoundingMode.valueOf(u.rounding().toUpperCase(Locale.ROOT));
    }

    private static Node owningConv(EmitContext c, Node n, Value w) {
        return c.graph().users(w).stream().filter(u -> u.op() instanceof ConvLayer).findFirst()
                .orElseThrow(() -> new UnsupportedOpException("op '" + n.name() + "': int8 parameter %" + w.name()
                        + " is not a conv weight"));
    }

    /** Pushes the update's learning rate at this step: its attribute times the session's runtime scale. */
    static void lr(EmitContext c, SgdUpdate op) {
        JvmKernelPrinter.learningRate(c, op.lr());
    }

    static void rngKey(EmitContext c, SgdUpdate op) {
        JvmKernelPrinter.rngKey(c, op.paramId());
    }

    /** The kernels' conv geometry for input {@code inH x inW x inC}, output {@code out}, weight {@code w}. */
    static ConvGeom geometry(Conv2d conv, int inH, int inW, int inC, Shape out, Value w) {
        return new ConvGeom(inH, inW, inC, out.dim(1), out.dim(2), out.dim(3), Conv2d.kernelHeight(w),
                Conv2d.kernelWidth(w), conv.stride(), conv.stride(), conv.padTop(), conv.padLeft(), conv.groups());
    }

    static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
