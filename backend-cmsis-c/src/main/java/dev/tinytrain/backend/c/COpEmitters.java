package dev.tinytrain.backend.c;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.lowering.NodeLowering;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The C emitter of every op kind, in one registry ({@code COpEmittersTest} fails when a kind has none):
 * {@link CKernelPrinter} for every kind {@link NodeLowering} lowers, and below the specialised emitter of the forward
 * conv, which picks a fast kernel per node. It writes the call of the C port of the kernel the JVM backend runs for
 * that node ({@code ForwardEmitters} of backend-jvm-ref), with the same arguments; parameters are passed in their C
 * storage ({@code tt_weight} for int8 weights, int32 or master arrays for biases).
 */
public final class COpEmitters {
    private static final Map<OpKind, COpEmitter> EMITTERS = new EnumMap<>(OpKind.class);

    static {
        // every kind with a lowering: one generic printer
        for (OpKind kind : NodeLowering.loweredKinds()) {
            EMITTERS.put(kind, CKernelPrinter::emit);
        }
        // the specialised kinds (NodeLowering.SPECIALISED)
        EMITTERS.put(OpKind.CONV2D, COpEmitters::conv2d);
        EMITTERS.put(OpKind.STREAMED_BACKWARD, CStreamedEmitter::streamedBackward);
        EMITTERS.put(OpKind.BAND_REGION, CBandRegion::emit);
    }

    private COpEmitters() {
    }

    /** The emitter of {@code kind}, or empty when the C backend cannot emit it. */
    public static Optional<COpEmitter> forKind(OpKind kind) {
        return Optional.ofNullable(EMITTERS.get(kind));
    }

    static String i(long v) {
        return Long.toString(Math.toIntExact(v));
    }

    /** The mask result's offset when the op keeps one and the function reads it (training), else -1. */
    private static String maskOffset(CEmitContext c, Node n) {
        return n.outputs().size() > 1 && c.read(n.outputs().get(1)) ? c.off(n.outputs().get(1)) : "-1";
    }

    static void conv2d(CEmitContext c, Node n) {
        Conv2d op = (Conv2d) n.op();
        Value x = n.inputs().get(0);
        Value y = n.output();
        convCall(c, op, x, n.inputs().get(1), n.inputs().get(2), y, c.off(x), i(x.type().shape().dim(1)),
                i(op.padTop()), c.off(y), i(y.type().shape().dim(1)), maskOffset(c, n));
    }

    /**
     * The kernel call of conv {@code op} from {@code x} to {@code y}, its input seen as {@code inH} rows at
     * {@code inOff} with {@code padTop} padding rows above and {@code outH} output rows at {@code outOff} (C
     * expressions: the whole tensors for a node, a row window of a band region's step): the fast kernel the geometry
     * allows, else the reference {@code tt_conv2d_p}, as the JVM's {@code FastConv2d} chooses.
     */
    static void convCall(CEmitContext c, Conv2d op, Value x, Value w, Value b, Value y, String inOff, String inH,
                         String padTop, String outOff, String outH, String maskOff) {
        Shape xs = x.type().shape();
        Shape ys = y.type().shape();
        Quantization xq = x.type().requireQuantization(x.name());
        float[] eff = Conv2d.effectiveScales(xq.scale(), w.type().requireQuantization(w.name()).scalesAsFloats(),
                op.output().scale());
        int kH = Conv2d.kernelHeight(w);
        int kW = Conv2d.kernelWidth(w);
        int inC = xs.dim(3);
        if (kH == 1 && kW == 1 && op.groups() == 1 && op.padTop() == 0 && op.padLeft() == 0 && inC <= MAX_INT_TERMS) {
            c.call("tt_conv1x1", c.arena(), inOff, i(xs.dim(2)), i(inC), i(xq.zeroPoint()), c.weight(w),
                    zeroPointTimesWeightSums(c, w, xq.zeroPoint(), inC), i(op.stride()), c.biasArgs(b), c.floats(eff),
                    i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), i(ys.dim(3)), maskOff);
            return;
        }
        if (CGeom.depthwiseLayout(w) && op.groups() == inC && ys.dim(3) == inC && (long) kH * kW <= MAX_INT_TERMS) {
            c.call("tt_depthwise_conv", c.arena(), inOff, inH, i(xs.dim(2)), i(inC), i(xq.zeroPoint()),
                    c.weight(w), i(kH), i(kW), i(op.stride()), padTop, i(op.padLeft()), c.biasArgs(b),
                    c.floats(eff), i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), maskOff);
            return;
        }
        if (op.groups() == 1 && kH * kW * inC <= IM2COL_MAX_PATCH && !c.splitWeight(w)) {
            c.call("tt_conv_im2col", c.arena(), inOff, inH, i(xs.dim(2)), i(inC), i(xq.zeroPoint()),
                    c.weight(w), zeroPointTimesWeightSums(c, w, xq.zeroPoint(), kH * kW * inC), i(kH), i(kW),
                    i(op.stride()), padTop, i(op.padLeft()), c.biasArgs(b), c.floats(eff),
                    i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), i(ys.dim(3)), maskOff);
            return;
        }
        c.call("tt_conv2d_p", c.arena(), inOff, inH, i(xs.dim(2)), i(xs.dim(3)), i(xq.zeroPoint()),
                c.weight(w), i(kH), i(kW), i(op.stride()), padTop, i(op.padLeft()), i(op.groups()), c.biasArgs(b),
                c.floats(eff), i(op.output().zeroPoint()), outOff, outH, i(ys.dim(2)), i(ys.dim(3)), maskOff);
    }

    /** Terms of an int8 conv sum that int32 holds exactly ({@code TT_MAX_INT_TERMS} of tt_kernels.h). */
    static final int MAX_INT_TERMS = 65793;
    /** The largest patch of {@code tt_conv_im2col} ({@code TT_IM2COL_MAX_PATCH} of tt_kernels.h). */
    static final int IM2COL_MAX_PATCH = 64;

    /**
     * The {@code zw} table of {@code tt_conv1x1} and {@code tt_conv_im2col}: {@code xZero * sum w[o][*]} per output
     * channel of a frozen weight of rows {@code [out_c][row]} (exact in int32: at most 128 * 65793 * 128 in
     * magnitude), or NULL for a trained weight or a zero point of 0.
     */
    static String zeroPointTimesWeightSums(CEmitContext c, Value w, int xZero, int row) {
        java.util.Optional<byte[]> values = c.constantWeight(w);
        if (values.isEmpty() || xZero == 0) {
            return "0";
        }
        byte[] v = values.get();
        List<Integer> zw = new java.util.ArrayList<>();
        for (int o = 0; o < v.length / row; o++) {
            int sum = 0;
            for (int k = 0; k < row; k++) {
                sum += v[o * row + k];
            }
            zw.add(xZero * sum);
        }
        return c.ints(zw);
    }
}
