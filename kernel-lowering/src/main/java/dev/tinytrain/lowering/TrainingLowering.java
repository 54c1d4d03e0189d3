package dev.tinytrain.lowering;

import static dev.tinytrain.lowering.Args.arena;
import static dev.tinytrain.lowering.Args.bool;
import static dev.tinytrain.lowering.Args.count;
import static dev.tinytrain.lowering.Args.f;
import static dev.tinytrain.lowering.Args.floats;
import static dev.tinytrain.lowering.Args.i;
import static dev.tinytrain.lowering.Args.lr;
import static dev.tinytrain.lowering.Args.master;
import static dev.tinytrain.lowering.Args.off;
import static dev.tinytrain.lowering.Args.param;
import static dev.tinytrain.lowering.Args.q;
import static dev.tinytrain.lowering.Args.qas;
import static dev.tinytrain.lowering.Args.rngKey;
import static dev.tinytrain.lowering.Args.roundingArg;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.AddGrad;
import dev.tinytrain.ir.ops.AvgPoolGrad;
import dev.tinytrain.ir.ops.ChannelSlice;
import dev.tinytrain.ir.ops.ConvGradBiasUpdate;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradOutput;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.ConvGradWeightUpdate;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.DequantizeGrad;
import dev.tinytrain.ir.ops.LinearGradWeightUpdate;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.lowering.KernelArg.ConvGeometry;
import dev.tinytrain.lowering.KernelArg.IndexList;
import dev.tinytrain.lowering.KernelArg.Storage;
import java.util.List;

/** The lowering rules of the training-step op kinds (the conv gradients excepted, see {@link NodeLowering}). */
final class TrainingLowering {
    private TrainingLowering() {
    }

    /** Loss and gradient; results: the loss (0) and the logits' gradient (1). */
    static KernelCall softmaxCrossEntropy(Node n) {
        Value logits = n.inputs().get(0);
        return KernelCall.of(Kernel.SOFTMAX_CROSS_ENTROPY, arena(), off(logits), count(logits),
                off(n.inputs().get(1)), off(n.outputs().get(1)), off(n.outputs().get(0)));
    }

    static KernelCall linearGradInput(Node n) {
        Value w = n.inputs().get(1);
        return KernelCall.of(Kernel.LINEAR_INPUT_GRAD, arena(), off(n.inputs().get(0)), param(w, Storage.FLOAT32),
                i(w.type().shape().dim(0)), i(w.type().shape().dim(1)), off(n.output()));
    }

    static KernelCall linearGradWeight(Node n) {
        return KernelCall.of(Kernel.LINEAR_WEIGHT_GRAD, arena(), off(n.inputs().get(0)), off(n.inputs().get(1)),
                count(n.inputs().get(0)), count(n.inputs().get(1)), off(n.output()));
    }

    static KernelCall dequantizeGrad(Node n) {
        return KernelCall.of(Kernel.DEQUANTIZE_BACKWARD, arena(), off(n.inputs().get(0)), count(n.output()),
                f(((DequantizeGrad) n.op()).scale()), off(n.output()));
    }

    static KernelCall avgPoolGrad(Node n) {
        AvgPoolGrad op = (AvgPoolGrad) n.op();
        return KernelCall.of(Kernel.AVG_POOL_BACKWARD, arena(), off(n.inputs().get(0)), i(op.height()),
                i(op.width()), i(n.output().type().shape().dim(3)), off(n.output()), bool(false));
    }

    static KernelCall addGrad(Node n) {
        AddGrad op = (AddGrad) n.op();
        return KernelCall.of(Kernel.ADD_GRAD, arena(), off(n.inputs().get(0)), off(n.inputs().get(1)),
                count(n.output()), f(op.outScale()), f(op.operandScale()), off(n.output()));
    }

    static KernelCall accumulate(Node n) {
        return KernelCall.of(Kernel.ADD_FLOAT, arena(), off(n.inputs().get(0)), off(n.inputs().get(1)),
                count(n.output()), off(n.output()));
    }

    static KernelCall convGradOutput(Node n) {
        Shape s = n.output().type().shape();
        return KernelCall.of(Kernel.MASK_AND_SCALE_OUTPUT_GRAD, arena(), off(n.inputs().get(0)),
                off(n.inputs().get(1)), floats(((ConvGradOutput) n.op()).effArray()), i((long) s.dim(1) * s.dim(2)),
                i(s.dim(3)), off(n.output()));
    }

    static KernelCall convGradBias(Node n) {
        Shape s = n.inputs().get(0).type().shape();
        return KernelCall.of(Kernel.CONV_BIAS_GRAD, arena(), off(n.inputs().get(0)), i((long) s.dim(1) * s.dim(2)),
                i(s.dim(3)), off(n.output()));
    }

    static KernelCall channelSlice(Node n) {
        Shape s = n.inputs().get(0).type().shape();
        return KernelCall.of(Kernel.CHANNEL_SLICE, arena(), off(n.inputs().get(0)), i((long) s.dim(1) * s.dim(2)),
                i(s.dim(3)), new IndexList(((ChannelSlice) n.op()).channels()), off(n.output()));
    }

    /** A conv's input gradient (written, not accumulated). */
    static KernelCall convGradInput(Node n) {
        ConvGradInput op = (ConvGradInput) n.op();
        Value g = n.inputs().get(0);
        Value w = n.inputs().get(1);
        return KernelCall.of(Kernel.CONV_INPUT_GRAD, arena(), off(g), param(w, Storage.INT8_WEIGHT),
                ConvGeometry.of(op.conv(), op.inHeight(), op.inWidth(), op.inChannels(), g.type().shape(), w),
                off(n.output()), bool(false));
    }

    /** A conv's weight gradient fused with the weight's update; the workspace is the node's result. */
    static KernelCall convGradWeightUpdate(Node n, LoweringContext c) {
        ConvGradWeightUpdate op = (ConvGradWeightUpdate) n.op();
        Value x = n.inputs().get(0);
        Value g = n.inputs().get(1);
        Value w = n.inputs().get(2);
        Shape xs = x.type().shape();
        SgdUpdate u = op.update();
        return KernelCall.of(Kernel.CONV_WEIGHT_GRAD_UPDATE, arena(), off(x), i(q(x).zeroPoint()), off(g),
                ConvGeometry.of(op.grad().conv(), xs.dim(1), xs.dim(2), xs.dim(3), g.type().shape(), w),
                fullGeometry(c, n, w), new IndexList(u.channels()), off(n.output()), param(w, Storage.INT8_WEIGHT),
                master(w, u), qas(u), lr(u), roundingArg(u), rngKey(u));
    }

    /**
     * A conv's compact weight gradient. A dense conv reads its (sliced) input with all its channels; a depthwise one
     * picks its trained channels.
     */
    static KernelCall convGradWeight(Node n) {
        ConvGradWeight op = (ConvGradWeight) n.op();
        Value x = n.inputs().get(0);
        Value g = n.inputs().get(1);
        Value w = n.inputs().get(2);
        Shape xs = x.type().shape();
        boolean depthwise = w.type().layout() == Layout.DEPTHWISE;
        return KernelCall.of(Kernel.CONV_WEIGHT_GRAD, arena(), off(x), i(q(x).zeroPoint()), off(g),
                ConvGeometry.of(op.conv(), xs.dim(1), xs.dim(2), xs.dim(3), g.type().shape(), w),
                new IndexList(depthwise ? op.channels() : List.of()), off(n.output()));
    }

    /** SGD on a float32 parameter, an int32 conv bias, or an int8 conv weight (from its compact gradient). */
    static KernelCall sgdUpdate(Node n, LoweringContext c) {
        SgdUpdate op = (SgdUpdate) n.op();
        Value p = n.inputs().get(0);
        Value g = n.inputs().get(1);
        DType t = p.type().dtype();
        if (t == DType.FLOAT32) {
            return KernelCall.of(Kernel.SGD_FLOAT, param(p, Storage.FLOAT32), i(0), arena(), off(g), count(p), lr(op));
        }
        if (t == DType.INT32) {
            return KernelCall.of(Kernel.UPDATE_CONV_BIAS, arena(), off(g), count(p), param(p, Storage.INT32),
                    master(p, op), param(p, Storage.FORWARD_VIEW), qas(op), lr(op), roundingArg(op), rngKey(op));
        }
        return KernelCall.of(Kernel.UPDATE_CONV_WEIGHT, arena(), off(g), fullGeometry(c, n, p),
                new IndexList(op.channels()), param(p, Storage.INT8_WEIGHT), master(p, op), qas(op), lr(op),
                roundingArg(op), rngKey(op));
    }

    static KernelCall convGradBiasUpdate(Node n) {
        SgdUpdate u = ((ConvGradBiasUpdate) n.op()).update();
        Value g = n.inputs().get(0);
        Value b = n.inputs().get(1);
        Shape s = g.type().shape();
        return KernelCall.of(Kernel.CONV_BIAS_GRAD_UPDATE, arena(), off(g), i((long) s.dim(1) * s.dim(2)),
                i(s.dim(3)), param(b, Storage.INT32), master(b, u), param(b, Storage.FORWARD_VIEW), qas(u), lr(u),
                roundingArg(u), rngKey(u));
    }

    static KernelCall linearGradWeightUpdate(Node n) {
        SgdUpdate u = ((LinearGradWeightUpdate) n.op()).update();
        return KernelCall.of(Kernel.LINEAR_WEIGHT_GRAD_UPDATE, arena(), off(n.inputs().get(0)),
                off(n.inputs().get(1)), count(n.inputs().get(0)), count(n.inputs().get(1)),
                param(n.inputs().get(2), Storage.FLOAT32), lr(u));
    }

    /** The full geometry of the conv that reads int8 weight {@code w} (its shape is the weight's). */
    static ConvGeometry fullGeometry(LoweringContext c, Node n, Value w) {
        Node conv = c.graph().users(w).stream().filter(u -> u.op() instanceof ConvLayer).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("op '" + n.name() + "': int8 parameter %" + w.name()
                        + " is not a conv weight"));
        Shape cs = conv.inputs().get(0).type().shape();
        return ConvGeometry.of(((ConvLayer) conv.op()).gradientGeometry().orElseThrow(), cs.dim(1), cs.dim(2),
                cs.dim(3), conv.output().type().shape(), w);
    }
}
