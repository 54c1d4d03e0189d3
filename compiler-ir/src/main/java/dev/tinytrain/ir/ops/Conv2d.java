package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * int8 convolution with per-output-channel requantization and the saturating clamp (which also implements
 * ReLU/ReLU6 through the output zero point). Operands: input {@code int8 [1,H,W,Cin] nhwc} (per-tensor
 * quantization), weight {@code int8} with symmetric per-channel quantization — {@code [O,KH,KW,Cin/groups] ohwi}
 * for dense and grouped convs, {@code [1,KH,KW,C] depthwise} when {@code groups == Cin == O} — and bias
 * {@code int32 [O]}. Arithmetic: {@code ../models/FORMAT.md} §3.2.
 *
 * @param stride stride in both dimensions
 * @param padTop zero-point padding rows above
 * @param padLeft zero-point padding columns left
 * @param padBottom zero-point padding rows below
 * @param padRight zero-point padding columns right
 * @param groups 1 for dense, Cin for depthwise
 * @param output the output quantization (per tensor)
 * @param saveMask when true the op has a second result, {@code bit} of the output's shape: 1 where the
 *     pre-clamp value {@code v + y_zero} lies in [-128, 127] inclusive (the straight-through gradient passes)
 */
public record Conv2d(int stride, int padTop, int padLeft, int padBottom, int padRight, int groups,
                     Quantization output, boolean saveMask) implements ConvLayer {

    /** Validates attribute ranges. */
    public Conv2d {
        if (stride < 1 || groups < 1 || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("conv2d needs stride >= 1, groups >= 1 and padding >= 0");
        }
        if (!output.isPerTensor()) {
            throw new IllegalArgumentException("conv2d output quantization must be per tensor");
        }
    }

    /** The "same" padding of the pretrained models: {@code (k-1)/2} on every side. */
    public static Conv2d samePadding(int kernel, int stride, int groups, Quantization output) {
        int p = (kernel - 1) / 2;
        return new Conv2d(stride, p, p, p, p, groups, output, false);
    }

    @Override
    public OpKind kind() {
        return OpKind.CONV2D;
    }

    /**
     * Keeps its input (for the weight gradient) and weight (for the input gradient) and can save its clamp mask;
     * with partially trained weights a dense conv keeps a slice of its input, a depthwise conv all of it. A
     * depthwise conv's output may run ahead of its input in one buffer; other convs read whole windows.
     */
    @Override
    public OpTraits traits(List<Value> inputs) {
        boolean depthwise = inputs.get(1).type().layout() == Layout.DEPTHWISE;
        SavedForBackward.PartialInput partial = depthwise ? SavedForBackward.PartialInput.WHOLE
                : groups == 1 ? SavedForBackward.PartialInput.TRAINED_CHANNELS
                : SavedForBackward.PartialInput.NOT_PARTIAL;
        return new OpTraits(Optional.empty(), new SavedForBackward(List.of(0, 1), true, partial),
                depthwise ? InPlaceOperands.LEAD_OFFSET : InPlaceOperands.NONE);
    }

    /**
     * The per-output-channel effective scale {@code eff[o] = fl32(x_scale * w_scale[o] / y_scale)}, evaluated left
     * to right in float64 and rounded once ({@code ../models/FORMAT.md} §3.2 step 3). The one definition every
     * backend and pass uses.
     */
    public static float[] effectiveScales(double xScale, float[] wScales, double yScale) {
        float[] eff = new float[wScales.length];
        for (int o = 0; o < eff.length; o++) {
            eff[o] = (float) (xScale * (double) wScales[o] / yScale);
        }
        return eff;
    }

    /** The effective scales of this conv applied to input {@code x} with weight {@code w}. */
    @Override
    public float[] effectiveScales(Value x, Value w) {
        return effectiveScales(x.type().requireQuantization(x.name()).scale(),
                w.type().requireQuantization(w.name()).scalesAsFloats(), output.scale());
    }

    /** The native conv is its own gradient geometry. */
    @Override
    public Optional<Conv2d> gradientGeometry() {
        return Optional.of(this);
    }

    /** True when the weight uses the depthwise layout (one filter per channel). */
    public boolean isDepthwise(int inChannels, int outChannels) {
        return groups > 1 && groups == inChannels && groups == outChannels;
    }

    /** Kernel height from the weight shape (both layouts store it at index 1). */
    public static int kernelHeight(Value weight) {
        return weight.type().shape().dim(1);
    }

    /** Kernel width from the weight shape. */
    public static int kernelWidth(Value weight) {
        return weight.type().shape().dim(2);
    }

    /** Output channels from the weight shape. */
    public int outChannels(Value weight) {
        Shape s = weight.type().shape();
        return weight.type().layout() == Layout.DEPTHWISE ? s.dim(3) : s.dim(0);
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value x = in.get(0);
        Value w = in.get(1);
        Value b = in.get(2);
        Shape xs = Checks.int8Nhwc(node, x, "input");
        Checks.convWeightAndBias(node, w, b);
        if (xs.dim(0) != 1) {
            Checks.fail(node, "shape", "input %" + x.name() + " must have batch 1, has shape " + xs);
        }
        int cin = xs.dim(3);
        if (cin % groups != 0) {
            Checks.fail(node, "shape", "input channels " + cin + " of %" + x.name()
                    + " are not divisible by groups " + groups);
        }
        Shape ws = w.type().shape();
        int cout;
        if (w.type().layout() == Layout.DEPTHWISE) {
            cout = ws.dim(3);
            if (ws.dim(0) != 1 || groups != cin || cout != cin) {
                Checks.fail(node, "shape", "depthwise weight %" + w.name() + " " + ws + " needs groups == Cin == C"
                        + " (groups " + groups + ", Cin " + cin + ")");
            }
        } else if (w.type().layout() == Layout.OHWI) {
            cout = ws.dim(0);
            if (ws.dim(3) != cin / groups) {
                Checks.fail(node, "shape", "weight %" + w.name() + " " + ws + " has " + ws.dim(3)
                        + " input channels per group, input %" + x.name() + " gives " + (cin / groups));
            }
            if (cout % groups != 0) {
                Checks.fail(node, "shape", "output channels " + cout + " are not divisible by groups " + groups);
            }
        } else {
            throw new dev.tinytrain.ir.IrVerificationException(node, "layout", "weight %" + w.name()
                    + " must be ohwi or depthwise, is " + w.type().layout().irName());
        }
        Quantization wq = w.type().quantization().orElse(null);
        int channelAxis = w.type().layout() == Layout.DEPTHWISE ? 3 : 0;
        if (wq == null || wq.axis() != channelAxis || wq.zeroPoints().stream().anyMatch(z -> z != 0)) {
            Checks.fail(node, "quantization", "weight %" + w.name()
                    + " needs symmetric per-output-channel quantization along axis " + channelAxis);
        }
        if (b.type().shape().dim(0) != cout) {
            Checks.fail(node, "shape", "bias %" + b.name() + " " + b.type().shape() + " does not match "
                    + cout + " output channels");
        }
        Shape ys = new Window(ws.dim(1), ws.dim(2), stride, stride, padTop, padLeft, padBottom, padRight)
                .outputShape(node, x, "kernel", cout);
        TensorType y = TensorType.quantized(DType.INT8, ys, Layout.NHWC, output);
        return saveMask ? List.of(y, TensorType.of(DType.BIT, y.shape(), Layout.NHWC)) : List.of(y);
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        TensorType result = results.get(0);
        Shape ws = in.get(1).type().shape();
        Shape os = result.shape();
        long perOutput = in.get(1).type().layout() == Layout.DEPTHWISE
                ? (long) ws.dim(1) * ws.dim(2) : (long) ws.dim(1) * ws.dim(2) * ws.dim(3);
        return os.elementCount() * perOutput;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stride", stride);
        m.put("pad", List.of(padTop, padLeft, padBottom, padRight));
        m.put("groups", groups);
        m.put(Attr.OUTPUT, output);
        if (saveMask) {
            m.put("mask", true);
        }
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("stride", stride);
        out.putArray("pad").add(padTop).add(padLeft).add(padBottom).add(padRight);
        out.put("groups", groups);
        Attr.writeOutput(out, output);
        out.put("mask", saveMask);
    }

    /** The same conv with or without the mask result. */
    @Override
    public Conv2d withSaveMask(boolean mask) {
        return new Conv2d(stride, padTop, padLeft, padBottom, padRight, groups, output, mask);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> pad = Attr.intList(a, "pad", 4);
        return new Conv2d(Attr.integer(a, "stride"), pad.get(0), pad.get(1), pad.get(2), pad.get(3),
                Attr.integer(a, "groups"), Attr.output(a), Attr.bool(a, "mask", false));
    }
}
