package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.FastConv2d;
import dev.tinytrain.backend.jvm.kernels.Requant;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import java.lang.reflect.Method;

/**
 * The conv's emitter, specialised: a conv is lowered into a {@link FastConv2d} that holds its constants (the other
 * forward kinds are lowered by {@code NodeLowering} and printed by {@link JvmKernelPrinter}).
 */
final class ForwardEmitters {
    private static final Method CONV2D = KernelMethods.of(FastConv2d.class, "run");

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

    /** The mask result's offset when the op keeps one and the program reads it (training), else -1. */
    private static void maskOffset(EmitContext c, Node n) {
        if (n.outputs().size() > 1 && c.read(n.outputs().get(1))) {
            c.offset(n.outputs().get(1));
        } else {
            c.pushInt(-1);
        }
    }
}
