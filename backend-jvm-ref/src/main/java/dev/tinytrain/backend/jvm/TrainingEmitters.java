package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.FastConvInputGrad;
import dev.tinytrain.backend.jvm.fast.FastConvWeightGradUpdate;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.StepKernels;
import dev.tinytrain.backend.jvm.kernels.UpdateKernels;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.AddGrad;
import dev.tinytrain.ir.ops.AvgPoolGrad;
import dev.tinytrain.ir.ops.ChannelSlice;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradOutput;
import dev.tinytrain.ir.ops.ConvGradBiasUpdate;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.ConvGradWeightUpdate;
import dev.tinytrain.ir.ops.LinearGradWeightUpdate;
import dev.tinytrain.ir.ops.DequantizeGrad;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;

/** The emitters of the training-step op kinds: each node becomes one kernel call. */
final class TrainingEmitters {
    private static final Method SOFTMAX_CROSS_ENTROPY = KernelMethods.of(StepKernels.class, "softmaxCrossEntropy");
    private static final Method LINEAR_INPUT_GRAD = KernelMethods.of(BackwardKernels.class, "linearInputGrad");
    private static final Method LINEAR_WEIGHT_GRAD = KernelMethods.of(BackwardKernels.class, "linearWeightGrad");
    private static final Method DEQUANTIZE_BACKWARD = KernelMethods.of(BackwardKernels.class, "dequantizeBackward");
    private static final Method AVG_POOL_BACKWARD = KernelMethods.of(BackwardKernels.class, "avgPoolBackward");
    private static final Method ADD_GRAD = KernelMethods.of(StepKernels.class, "addGrad");
    private static final Method ADD = KernelMethods.of(StepKernels.class, "add");
    private static final Method MASK_AND_SCALE_OUTPUT_GRAD =
            KernelMethods.of(BackwardKernels.class, "maskAndScaleOutputGrad");
    private static final Method FAST_CONV_INPUT_GRAD = KernelMethods.of(FastConvInputGrad.class, "run");
    private static final Method FAST_CONV_WEIGHT_GRAD_UPDATE = KernelMethods.of(FastConvWeightGradUpdate.class, "run");
    private static final Method CONV_WEIGHT_GRAD = KernelMethods.of(StepKernels.class, "convWeightGrad");
    private static final Method CONV_BIAS_GRAD = KernelMethods.of(BackwardKernels.class, "convBiasGrad");
    private static final Method CHANNEL_SLICE = KernelMethods.of(StepKernels.class, "channelSlice");
    private static final Method SGD_FLOAT = KernelMethods.of(UpdateKernels.class, "sgdFloat");
    private static final Method UPDATE_CONV_BIAS = KernelMethods.of(StepKernels.class, "updateConvBias");
    private static final Method UPDATE_CONV_WEIGHT = KernelMethods.of(StepKernels.class, "updateConvWeight");
    private static final Method CONV_BIAS_GRAD_UPDATE = KernelMethods.of(StepKernels.class, "convBiasGradUpdate");
    private static final Method LINEAR_WEIGHT_GRAD_UPDATE =
            KernelMethods.of(StepKernels.class, "linearWeightGradUpdate");
    private static final Method RNG_KEY = KernelMethods.of(StepKernels.class, "rngKey");
    private static final Method SCALED_LR = KernelMethods.of(StepKernels.class, "scaledLr");

    private TrainingEmitters() {
    }

    static void softmaxCrossEntropy(EmitContext c, Node n) {
        Value logits = n.inputs().get(0);
        c.arena();
        c.offset(logits);
        c.pushInt(Math.toIntExact(logits.type().elementCount()));
        c.offset(n.inputs().get(1));
        c.offset(n.outputs().get(1));
        c.offset(n.outputs().get(0));
        c.invoke(SOFTMAX_CROSS_ENTROPY);
    }

    static void linearGradInput(EmitContext c, Node n) {
        Value w = n.inputs().get(1);
        c.arena();
        c.offset(n.inputs().get(0));
        c.constant(c.parameterArray(w));
        c.pushInt(w.type().shape().dim(0));
        c.pushInt(w.type().shape().dim(1));
        c.offset(n.output());
        c.invoke(LINEAR_INPUT_GRAD);
    }

    static void linearGradWeight(EmitContext c, Node n) {
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.inputs().get(1));
        c.pushInt(Math.toIntExact(n.inputs().get(0).type().elementCount()));
        c.pushInt(Math.toIntExact(n.inputs().get(1).type().elementCount()));
        c.offset(n.output());
        c.invoke(LINEAR_WEIGHT_GRAD);
    }

    static void dequantizeGrad(EmitContext c, Node n) {
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.pushFloat(((DequantizeGrad) n.op()).scale());
        c.offset(n.output());
        c.invoke(DEQUANTIZE_BACKWARD);
    }

    static void avgPoolGrad(EmitContext c, Node n) {
        AvgPoolGrad op = (AvgPoolGrad) n.op();
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(op.height());
        c.pushInt(op.width());
        c.pushInt(n.output().type().shape().dim(3));
        c.offset(n.output());
        c.pushInt(0);
        c.invoke(AVG_POOL_BACKWARD);
    }

    static void addGrad(EmitContext c, Node n) {
        AddGrad op = (AddGrad) n.op();
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.inputs().get(1));
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.pushFloat(op.outScale());
        c.pushFloat(op.operandScale());
        c.offset(n.output());
        c.invoke(ADD_GRAD);
    }

    static void accumulate(EmitContext c, Node n) {
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.inputs().get(1));
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.offset(n.output());
        c.invoke(ADD);
    }

    static void convGradOutput(EmitContext c, Node n) {
        Shape s = n.output().type().shape();
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.inputs().get(1));
        c.constant(((ConvGradOutput) n.op()).effArray());
        c.pushInt(s.dim(1) * s.dim(2));
        c.pushInt(s.dim(3));
        c.offset(n.output());
        c.invoke(MASK_AND_SCALE_OUTPUT_GRAD);
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

    static void convGradWeight(EmitContext c, Node n) {
        ConvGradWeight op = (ConvGradWeight) n.op();
        Value x = n.inputs().get(0);
        Value g = n.inputs().get(1);
        Value w = n.inputs().get(2);
        Shape xs = x.type().shape();
        ConvGeom geom = geometry(op.conv(), xs.dim(1), xs.dim(2), xs.dim(3), g.type().shape(), w);
        boolean dw = w.type().layout() == Layout.DEPTHWISE;
        c.arena();
        c.offset(x);
        c.pushInt(x.type().requireQuantization(x.name()).zeroPoint());
        c.offset(g);
        c.constant(geom);
        // a dense conv reads the (sliced) input with all its channels; a depthwise one picks its channels
        c.constantOrNull(dw && !op.channels().isEmpty() ? ints(op.channels()) : null);
        c.offset(n.output());
        c.invoke(CONV_WEIGHT_GRAD);
    }

    static void convGradBias(EmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(s.dim(1) * s.dim(2));
        c.pushInt(s.dim(3));
        c.offset(n.output());
        c.invoke(CONV_BIAS_GRAD);
    }

    static void channelSlice(EmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(s.dim(1) * s.dim(2));
        c.pushInt(s.dim(3));
        c.constant(ints(((ChannelSlice) n.op()).channels()));
        c.offset(n.output());
        c.invoke(CHANNEL_SLICE);
    }

    static void sgdUpdate(EmitContext c, Node n) {
        SgdUpdate op = (SgdUpdate) n.op();
        Value p = n.inputs().get(0);
        Value g = n.inputs().get(1);
        RoundingMode mode = RoundingMode.valueOf(op.rounding().toUpperCase(Locale.ROOT));
        float[] qas = op.qasDivisors().isEmpty() ? null : op.qasArray();
        DType t = p.type().dtype();
        if (t == DType.FLOAT32) {
            c.constant(c.parameterArray(p));
            c.pushInt(0);
            c.arena();
            c.offset(g);
            c.pushInt(Math.toIntExact(p.type().elementCount()));
            lr(c, op);
            c.invoke(SGD_FLOAT);
            return;
        }
        ParameterArrays params = c.parameters();
        float[] master = mode == RoundingMode.FLOAT_MASTER ? params.master(p.name()) : null;
        if (t == DType.INT32) {
            c.arena();
            c.offset(g);
            c.pushInt(Math.toIntExact(p.type().elementCount()));
            c.constant(params.int32(p.name()));
            c.constantOrNull(master);
            c.constant(c.parameterArray(p));
            c.constantOrNull(qas);
            lr(c, op);
            c.pushEnum(mode);
            rngKey(c, op);
            c.invoke(UPDATE_CONV_BIAS);
            return;
        }
        Node conv = owningConv(c, n, p);
        Value x = conv.inputs().get(0);
        Shape xs = x.type().shape();
        ConvGeom geom = geometry(((ConvLayer) conv.op()).gradientGeometry().orElseThrow(), xs.dim(1), xs.dim(2),
                xs.dim(3), conv.output().type().shape(), p);
        c.arena();
        c.offset(g);
        c.constant(geom);
        c.constantOrNull(op.channels().isEmpty() ? null : ints(op.channels()));
        c.constant(c.parameterArray(p));
        c.constantOrNull(master);
        c.constantOrNull(qas);
        lr(c, op);
        c.pushEnum(mode);
        rngKey(c, op);
        c.invoke(UPDATE_CONV_WEIGHT);
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

    static void convGradBiasUpdate(EmitContext c, Node n) {
        SgdUpdate u = ((ConvGradBiasUpdate) n.op()).update();
        Value g = n.inputs().get(0);
        Value b = n.inputs().get(1);
        Shape s = g.type().shape();
        RoundingMode mode = mode(u);
        c.arena();
        c.offset(g);
        c.pushInt(s.dim(1) * s.dim(2));
        c.pushInt(s.dim(3));
        c.constant(c.parameters().int32(b.name()));
        c.constantOrNull(mode == RoundingMode.FLOAT_MASTER ? c.parameters().master(b.name()) : null);
        c.constant(c.parameterArray(b));
        c.constantOrNull(u.qasDivisors().isEmpty() ? null : u.qasArray());
        lr(c, u);
        c.pushEnum(mode);
        rngKey(c, u);
        c.invoke(CONV_BIAS_GRAD_UPDATE);
    }

    static void linearGradWeightUpdate(EmitContext c, Node n) {
        SgdUpdate u = ((LinearGradWeightUpdate) n.op()).update();
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.inputs().get(1));
        c.pushInt(Math.toIntExact(n.inputs().get(0).type().elementCount()));
        c.pushInt(Math.toIntExact(n.inputs().get(1).type().elementCount()));
        c.constant(c.parameterArray(n.inputs().get(2)));
        lr(c, u);
        c.invoke(LINEAR_WEIGHT_GRAD_UPDATE);
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
        c.pushFloat(op.lr());
        c.constant(c.state());
        c.invoke(SCALED_LR);
    }

    static void rngKey(EmitContext c, SgdUpdate op) {
        c.constant(c.state());
        c.pushInt(op.paramId());
        c.invoke(RNG_KEY);
    }

    /** The kernels' conv geometry for input {@code inH x inW x inC}, output {@code out}, weight {@code w}. */
    static ConvGeom geometry(Conv2d conv, int inH, int inW, int inC, Shape out, Value w) {
        int groups = conv.groups();
        if (w.type().layout() == Layout.OHWI && groups == 1) {
            groups = 1;
        }
        return new ConvGeom(inH, inW, inC, out.dim(1), out.dim(2), out.dim(3), Conv2d.kernelHeight(w),
                Conv2d.kernelWidth(w), conv.stride(), conv.stride(), conv.padTop(), conv.padLeft(), groups);
    }

    static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
