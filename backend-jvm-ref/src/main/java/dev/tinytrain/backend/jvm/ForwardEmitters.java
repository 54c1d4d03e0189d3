package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.FastConv2d;
import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.backend.jvm.kernels.Requant;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Reshape;
import java.lang.reflect.Method;

/** The emitters of the forward op kinds: each turns one node into one kernel call. */
final class ForwardEmitters {
    private static final Method CONV2D = KernelMethods.of(FastConv2d.class, "run");
    private static final Method QUANTIZED_ADD = KernelMethods.of(ForwardKernels.class, "quantizedAdd");
    private static final Method GLOBAL_AVG_POOL = KernelMethods.of(ForwardKernels.class, "globalAvgPool");
    private static final Method DEQUANTIZE = KernelMethods.of(ForwardKernels.class, "dequantize");
    private static final Method LINEAR = KernelMethods.of(ForwardKernels.class, "linear");
    private static final Method ARRAYCOPY = KernelMethods.of(System.class, "arraycopy");

    private ForwardEmitters() {
    }

    /**
     * A conv becomes one {@link FastConv2d} lowered with its constants (held by the generated class) and one call
     * of its {@code run} with the arena offsets.
     */
    static void conv2d(EmitContext c, Node n) {
        FastConv2d conv = lowerConv(c, (Conv2d) n.op(), n.inputs().get(0), n.inputs().get(1), n.inputs().get(2),
                n.output());
        c.constant(conv);
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.output());
        maskOffset(c, n);
        c.invoke(CONV2D);
    }

    /** The {@link FastConv2d} of conv {@code op} from {@code x} to {@code y} with weight {@code w}, bias {@code b}. */
    static FastConv2d lowerConv(EmitContext c, Conv2d op, Value x, Value w, Value b, Value y) {
        Shape xs = x.type().shape();
        Shape ys = y.type().shape();
        Quantization xq = x.type().requireQuantization(x.name());
        float[] eff = Requant.effectiveScales(xq.scale(), w.type().requireQuantization(w.name()).scalesAsFloats(),
                op.output().scale());
        return new FastConv2d(xs.dim(1), xs.dim(2), xs.dim(3), xq.zeroPoint(),
                (byte[]) c.parameterArray(w), Conv2d.kernelHeight(w), Conv2d.kernelWidth(w), op.stride(),
                op.padTop(), op.padLeft(), op.groups(), (float[]) c.parameterArray(b), eff,
                op.output().zeroPoint(), ys.dim(1), ys.dim(2), ys.dim(3), !updatedInPlace(c, w), c.scratch());
    }

    /** Whether a node of the graph updates parameter {@code p} (then kernels must re-read it at every run). */
    static boolean updatedInPlace(EmitContext c, Value p) {
        return c.graph().users(p).stream().anyMatch(u -> u.updatedParameters().contains(p));
    }

    /** The mask result's offset when the op keeps one (training), else -1. */
    private static void maskOffset(EmitContext c, Node n) {
        if (n.outputs().size() > 1) {
            c.offset(n.outputs().get(1));
        } else {
            c.pushInt(-1);
        }
    }

    static void quantizedAdd(EmitContext c, Node n) {
        Quantization a = n.inputs().get(0).type().requireQuantization(n.inputs().get(0).name());
        Quantization b = n.inputs().get(1).type().requireQuantization(n.inputs().get(1).name());
        Quantization y = n.output().type().requireQuantization(n.output().name());
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(a.zeroPoint());
        c.pushFloat((float) a.scale());
        c.offset(n.inputs().get(1));
        c.pushInt(b.zeroPoint());
        c.pushFloat((float) b.scale());
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.pushInt(y.zeroPoint());
        c.pushFloat((float) y.scale());
        c.offset(n.output());
        maskOffset(c, n);
        c.invoke(QUANTIZED_ADD);
    }

    static void globalAvgPool(EmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(s.dim(1));
        c.pushInt(s.dim(2));
        c.pushInt(s.dim(3));
        c.offset(n.output());
        c.invoke(GLOBAL_AVG_POOL);
    }

    static void dequantize(EmitContext c, Node n) {
        Quantization q = n.inputs().get(0).type().requireQuantization(n.inputs().get(0).name());
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.pushInt(q.zeroPoint());
        c.pushFloat((float) q.scale());
        c.offset(n.output());
        c.invoke(DEQUANTIZE);
    }

    static void linear(EmitContext c, Node n) {
        Value w = n.inputs().get(1);
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(w.type().shape().dim(1));
        c.constant(c.parameterArray(w));
        c.constant(c.parameterArray(n.inputs().get(2)));
        c.pushInt(w.type().shape().dim(0));
        c.offset(n.output());
        c.invoke(LINEAR);
    }

    /** A reshape moves no data when input and result share an offset; otherwise it is one array copy. */
    static void reshape(EmitContext c, Node n) {
        Reshape op = (Reshape) n.op();
        Value in = n.inputs().get(0);
        c.arena();
        c.offset(in);
        c.arena();
        c.offset(n.output());
        c.pushInt(Math.toIntExact(in.type().dtype().byteSize(op.shape().elementCount())));
        c.invoke(ARRAYCOPY);
    }
}
