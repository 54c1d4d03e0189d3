package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
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
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradOutput;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.DequantizeGrad;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.util.List;
import java.util.Locale;

/** The emitters of the training-step op kinds: each node becomes one kernel call. */
final class TrainingEmitters {
    private static final String BACKWARD = "dev/tinytrain/backend/jvm/kernels/BackwardKernels";
    private static final String STEP = "dev/tinytrain/backend/jvm/kernels/StepKernels";
    private static final String UPDATE = "dev/tinytrain/backend/jvm/kernels/UpdateKernels";
    private static final String GEOM = "Ldev/tinytrain/backend/jvm/kernels/BackwardKernels$ConvGeom;";
    private static final String MODE = "Ldev/tinytrain/backend/jvm/kernels/RoundingMode;";

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
        c.invokeStatic(STEP, "softmaxCrossEntropy", "([BIIIII)V");
    }

    static void linearGradInput(EmitContext c, Node n) {
        Value w = n.inputs().get(1);
        c.arena();
        c.offset(n.inputs().get(0));
        c.constant(c.parameterArray(w));
        c.pushInt(w.type().shape().dim(0));
        c.pushInt(w.type().shape().dim(1));
        c.offset(n.output());
        c.invokeStatic(BACKWARD, "linearInputGrad", "([BI[FIII)V");
    }

    static void linearGradWeight(EmitContext c, Node n) {
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.inputs().get(1));
        c.pushInt(Math.toIntExact(n.inputs().get(0).type().elementCount()));
        c.pushInt(Math.toIntExact(n.inputs().get(1).type().elementCount()));
        c.offset(n.output());
        c.invokeStatic(BACKWARD, "linearWeightGrad", "([BIIIII)V");
    }

    static void dequantizeGrad(EmitContext c, Node n) {
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.pushFloat(((DequantizeGrad) n.op()).scale());
        c.offset(n.output());
        c.invokeStatic(BACKWARD, "dequantizeBackward", "([BIIFI)V");
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
        c.invokeStatic(BACKWARD, "avgPoolBackward", "([BIIIIIZ)V");
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
        c.invokeStatic(STEP, "addGrad", "([BIIIFFI)V");
    }

    static void accumulate(EmitContext c, Node n) {
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.inputs().get(1));
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.offset(n.output());
        c.invokeStatic(STEP, "add", "([BIIII)V");
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
        c.invokeStatic(BACKWARD, "maskAndScaleOutputGrad", "([BII[FIII)V");
    }

    static void convGradInput(EmitContext c, Node n) {
        ConvGradInput op = (ConvGradInput) n.op();
        Value g = n.inputs().get(0);
        Value w = n.inputs().get(1);
        ConvGeom geom = geometry(op.conv(), op.inHeight(), op.inWidth(), op.inChannels(), g.type().shape(), w);
        c.arena();
        c.offset(g);
        c.constant(c.parameterArray(w));
        c.constant(geom);
        c.offset(n.output());
        c.pushInt(0);
        c.invokeStatic(BACKWARD, "convInputGrad", "([BI[B" + GEOM + "IZ)V");
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
        c.invokeStatic(STEP, "convWeightGrad", "([BIII" + GEOM + "[II)V");
    }

    static void convGradBias(EmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(s.dim(1) * s.dim(2));
        c.pushInt(s.dim(3));
        c.offset(n.output());
        c.invokeStatic(BACKWARD, "convBiasGrad", "([BIIII)V");
    }

    static void channelSlice(EmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(s.dim(1) * s.dim(2));
        c.pushInt(s.dim(3));
        c.constant(ints(((ChannelSlice) n.op()).channels()));
        c.offset(n.output());
        c.invokeStatic(STEP, "channelSlice", "([BIII[II)V");
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
            c.pushFloat(op.lr());
            c.invokeStatic(UPDATE, "sgdFloat", "([FI[BIIF)V");
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
            c.pushFloat(op.lr());
            c.pushEnum(mode);
            rngKey(c, op);
            c.invokeStatic(STEP, "updateConvBias", "([BII[I[F[F[FF" + MODE + "I)V");
            return;
        }
        Node conv = c.graph().users(p).stream().filter(u -> u.op() instanceof Conv2d).findFirst()
                .orElseThrow(() -> new UnsupportedOpException("op '" + n.name() + "': int8 parameter %" + p.name()
                        + " is not a conv weight"));
        Value x = conv.inputs().get(0);
        Shape xs = x.type().shape();
        ConvGeom geom = geometry((Conv2d) conv.op(), xs.dim(1), xs.dim(2), xs.dim(3), conv.output().type().shape(), p);
        c.arena();
        c.offset(g);
        c.constant(geom);
        c.constantOrNull(op.channels().isEmpty() ? null : ints(op.channels()));
        c.constant(c.parameterArray(p));
        c.constantOrNull(master);
        c.constantOrNull(qas);
        c.pushFloat(op.lr());
        c.pushEnum(mode);
        rngKey(c, op);
        c.invokeStatic(STEP, "updateConvWeight", "([BI" + GEOM + "[I[B[F[FF" + MODE + "I)V");
    }

    private static void rngKey(EmitContext c, SgdUpdate op) {
        c.constant(c.state());
        c.pushInt(op.paramId());
        c.invokeStatic(STEP, "rngKey", "([II)I");
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

    private static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
