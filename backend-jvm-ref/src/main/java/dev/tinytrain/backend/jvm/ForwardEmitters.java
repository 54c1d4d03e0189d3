package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.kernels.Requant;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.Reshape;

/** The emitters of the forward op kinds: each turns one node into one call of {@code ForwardKernels}. */
final class ForwardEmitters {
    private ForwardEmitters() {
    }

    static void conv2d(EmitContext c, Node n) {
        Conv2d op = (Conv2d) n.op();
        Value x = n.inputs().get(0);
        Value w = n.inputs().get(1);
        Value b = n.inputs().get(2);
        Value y = n.output();
        Shape xs = x.type().shape();
        Shape ys = y.type().shape();
        Quantization xq = x.type().requireQuantization(x.name());
        float[] eff = Requant.effectiveScales(xq.scale(), w.type().requireQuantization(w.name()).scalesAsFloats(),
                op.output().scale());
        c.arena();
        c.offset(x);
        c.pushInt(xs.dim(1));
        c.pushInt(xs.dim(2));
        c.pushInt(xs.dim(3));
        c.pushInt(xq.zeroPoint());
        c.constant(c.parameterArray(w));
        c.pushInt(Conv2d.kernelHeight(w));
        c.pushInt(Conv2d.kernelWidth(w));
        c.pushInt(op.stride());
        c.pushInt(op.padTop());
        c.pushInt(op.padLeft());
        c.pushInt(op.groups());
        c.constant(c.parameterArray(b));
        c.constant(eff);
        c.pushInt(op.output().zeroPoint());
        c.offset(y);
        c.pushInt(ys.dim(1));
        c.pushInt(ys.dim(2));
        c.pushInt(ys.dim(3));
        maskOffset(c, n);
        c.invokeStatic(EmitContext.FORWARD_KERNELS, "conv2d", "([BIIIII[BIIIIII[F[FIIIIII)V");
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
        c.invokeStatic(EmitContext.FORWARD_KERNELS, "quantizedAdd", "([BIIFIIFIIFII)V");
    }

    static void globalAvgPool(EmitContext c, Node n) {
        Shape s = n.inputs().get(0).type().shape();
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(s.dim(1));
        c.pushInt(s.dim(2));
        c.pushInt(s.dim(3));
        c.offset(n.output());
        c.invokeStatic(EmitContext.FORWARD_KERNELS, "globalAvgPool", "([BIIIII)V");
    }

    static void dequantize(EmitContext c, Node n) {
        Quantization q = n.inputs().get(0).type().requireQuantization(n.inputs().get(0).name());
        c.arena();
        c.offset(n.inputs().get(0));
        c.pushInt(Math.toIntExact(n.output().type().elementCount()));
        c.pushInt(q.zeroPoint());
        c.pushFloat((float) q.scale());
        c.offset(n.output());
        c.invokeStatic(EmitContext.FORWARD_KERNELS, "dequantize", "([BIIIFI)V");
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
        c.invokeStatic(EmitContext.FORWARD_KERNELS, "linear", "([BII[F[FII)V");
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
        c.invokeStatic("java/lang/System", "arraycopy", "(Ljava/lang/Object;ILjava/lang/Object;II)V");
    }
}
