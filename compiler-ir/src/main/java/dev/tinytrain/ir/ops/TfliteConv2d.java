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
 * int8 convolution in TFLite integer numerics (TFLite's reference {@code CONV_2D}, {@code DEPTHWISE_CONV_2D} with
 * depth multiplier 1, and {@code FULLY_CONNECTED} as a 1x1 conv): {@code acc = bias[o] + sum (x - x_zero) * w},
 * padding contributes nothing, then {@code MultiplyByQuantizedMultiplier(acc, m[o], shift[o]) + y_zero} clamped to
 * {@code [actMin, actMax]}; {@code (m, shift)} from {@link TfliteRequant#perChannel}. Operands as for
 * {@link Conv2d}: input {@code int8 [1,H,W,Cin] nhwc}, weight {@code ohwi} or {@code depthwise} with symmetric
 * per-channel (or per-tensor) quantization, bias {@code int32 [O]}.
 *
 * @param strideH stride along the height
 * @param strideW stride along the width
 * @param padTop padding rows above (skipped taps)
 * @param padLeft padding columns left
 * @param padBottom padding rows below
 * @param padRight padding columns right
 * @param groups 1 for dense, Cin for depthwise
 * @param output the output quantization (per tensor)
 * @param actMin lower clamp (the fused activation's quantized range)
 * @param actMax upper clamp
 * @param fullyConnected true for an imported {@code FULLY_CONNECTED} layer, whose per-tensor weight scale TFLite
 *     turns into a multiplier differently ({@link TfliteRequant#convLike})
 * @param saveMask when true the op has a second result, {@code bit} of the output's shape: 1 where the
 *     pre-clamp value {@code MultiplyByQuantizedMultiplier(acc) + y_zero} lies in {@code [actMin, actMax]}
 *     inclusive (the straight-through gradient passes the fused activation)
 */
public record TfliteConv2d(int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int groups,
                           Quantization output, int actMin, int actMax, boolean fullyConnected, boolean saveMask)
        implements ConvLayer {

    /** Validates attribute ranges. */
    public TfliteConv2d {
        if (strideH < 1 || strideW < 1 || groups < 1 || padTop < 0 || padLeft < 0 || padBottom < 0
                || padRight < 0) {
            throw new IllegalArgumentException("tfl.conv2d needs strides >= 1, groups >= 1 and padding >= 0");
        }
        TfliteAdd.checkClamp("tfl.conv2d", output, actMin, actMax);
    }

    /** The layer as imported (no mask result). */
    public TfliteConv2d(int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int groups,
                        Quantization output, int actMin, int actMax, boolean fullyConnected) {
        this(strideH, strideW, padTop, padLeft, padBottom, padRight, groups, output, actMin, actMax, fullyConnected,
                false);
    }

    /**
     * As {@link Conv2d}: keeps its input (weight gradient) and weight (input gradient) and can save its clamp mask;
     * with partially trained weights a dense layer keeps a slice of its input, a depthwise one all of it. The
     * TFLite kernel reads whole windows of its input, so its output never overwrites it.
     */
    @Override
    public OpTraits traits(List<Value> inputs) {
        boolean depthwise = inputs.get(1).type().layout() == Layout.DEPTHWISE;
        SavedForBackward.PartialInput partial = depthwise ? SavedForBackward.PartialInput.WHOLE
                : groups == 1 ? SavedForBackward.PartialInput.TRAINED_CHANNELS
                : SavedForBackward.PartialInput.NOT_PARTIAL;
        return new OpTraits(Optional.empty(), new SavedForBackward(List.of(0, 1), true, partial),
                InPlaceOperands.NONE);
    }

    @Override
    public TfliteConv2d withSaveMask(boolean mask) {
        return new TfliteConv2d(strideH, strideW, padTop, padLeft, padBottom, padRight, groups, output, actMin, actMax,
                fullyConnected, mask);
    }

    /** {@code fl32(x_scale * w_scale[o] / y_scale)} with the weight's scales per output channel. */
    @Override
    public float[] effectiveScales(Value x, Value w) {
        return Conv2d.effectiveScales(x.type().requireQuantization(x.name()).scale(), weightScales(w),
                output.scale());
    }

    /**
     * The backward ops' form of this layer's geometry: one stride, the top and left padding, and a bottom (right)
     * padding equal to the top (left) one or one more, as TFLite's {@code SAME} and {@code VALID} padding give;
     * empty otherwise (the converters' MCU models have no other).
     */
    @Override
    public Optional<Conv2d> gradientGeometry() {
        boolean sameOrValid = padBottom >= padTop && padBottom <= padTop + 1 && padRight >= padLeft
                && padRight <= padLeft + 1;
        if (strideH != strideW || !sameOrValid) {
            return Optional.empty();
        }
        return Optional.of(new Conv2d(strideH, padTop, padLeft, padBottom, padRight, groups, output, false));
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_CONV2D;
    }

    /** Output channels from the weight shape. */
    public static int outChannels(Value weight) {
        Shape s = weight.type().shape();
        return weight.type().layout() == Layout.DEPTHWISE ? s.dim(3) : s.dim(0);
    }

    /** The quantized multipliers of this layer applied to input {@code x} with weight {@code w}. */
    public TfliteRequant.Multiplier[] multipliers(Value x, Value w) {
        return TfliteRequant.convLike(fullyConnected, w.type().requireQuantization(w.name()).isPerTensor(),
                (float) x.type().requireQuantization(x.name()).scale(), weightScales(w), (float) output.scale());
    }

    /**
     * The binary64 per-output-channel scales ({@link TfliteRequant#fullyConnectedScales}) of this layer applied to
     * input {@code x} with weight {@code w} if it is a {@code FULLY_CONNECTED} layer with a per-channel weight,
     * which TFLite requantizes in double; empty for every other layer, which requantizes by {@link #multipliers}.
     */
    public Optional<double[]> fullyConnectedScales(Value x, Value w) {
        if (!fullyConnected || w.type().requireQuantization(w.name()).isPerTensor()) {
            return Optional.empty();
        }
        return Optional.of(TfliteRequant.fullyConnectedScales((float) x.type().requireQuantization(x.name()).scale(),
                weightScales(w), (float) output.scale()));
    }

    /** The per-output-channel weight scales (one per channel even for a per-tensor weight). */
    public static float[] weightScales(Value weight) {
        float[] s = weight.type().requireQuantization(weight.name()).scalesAsFloats();
        if (s.length == 1) {
            float[] all = new float[outChannels(weight)];
            java.util.Arrays.fill(all, s[0]);
            return all;
        }
        return s;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value x = in.get(0);
        Value w = in.get(1);
        Value b = in.get(2);
        Shape xs = Checks.int8Nhwc(node, x, "input");
        Checks.convWeightAndBias(node, w, b);
        Shape ws = w.type().shape();
        int cin = xs.dim(3);
        if (xs.dim(0) != 1 || cin % groups != 0) {
            Checks.fail(node, "shape", "input %" + x.name() + " " + xs + " needs batch 1 and channels divisible by "
                    + groups + " groups");
        }
        int cout = outChannels(w);
        if (w.type().layout() == Layout.DEPTHWISE) {
            if (ws.dim(0) != 1 || groups != cin || cout != cin) {
                Checks.fail(node, "shape", "depthwise weight %" + w.name() + " " + ws + " needs groups == Cin == C");
            }
        } else if (w.type().layout() != Layout.OHWI || ws.dim(3) != cin / groups || cout % groups != 0) {
            Checks.fail(node, "shape", "weight %" + w.name() + " " + ws + " " + w.type().layout().irName()
                    + " does not fit input %" + x.name() + " " + xs + " with " + groups + " groups");
        }
        Quantization wq = w.type().quantization().orElse(null);
        int axis = w.type().layout() == Layout.DEPTHWISE ? 3 : 0;
        if (wq == null || (!wq.isPerTensor() && (wq.axis() != axis || wq.scales().size() != cout))
                || wq.zeroPoints().stream().anyMatch(z -> z != 0)) {
            Checks.fail(node, "quantization", "weight %" + w.name() + " needs symmetric per-tensor or per-channel"
                    + " quantization along axis " + axis);
        }
        if (b.type().shape().dim(0) != cout) {
            Checks.fail(node, "shape", "bias %" + b.name() + " " + b.type().shape() + " does not match " + cout
                    + " output channels");
        }
        Shape ys = new Window(ws.dim(1), ws.dim(2), strideH, strideW, padTop, padLeft, padBottom, padRight)
                .outputShape(node, x, "kernel", cout);
        TensorType y = TensorType.quantized(DType.INT8, ys, Layout.NHWC, output);
        return saveMask ? List.of(y, TensorType.of(DType.BIT, ys, Layout.NHWC)) : List.of(y);
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        Shape ws = in.get(1).type().shape();
        long perOutput = in.get(1).type().layout() == Layout.DEPTHWISE
                ? (long) ws.dim(1) * ws.dim(2) : (long) ws.dim(1) * ws.dim(2) * ws.dim(3);
        return results.get(0).shape().elementCount() * perOutput;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stride", List.of(strideH, strideW));
        m.put("pad", List.of(padTop, padLeft, padBottom, padRight));
        m.put("groups", groups);
        m.put(Attr.OUTPUT, output);
        m.put("clamp", List.of(actMin, actMax));
        if (fullyConnected) {
            m.put("fc", true);
        }
        if (saveMask) {
            m.put("mask", true);
        }
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.putArray("stride").add(strideH).add(strideW);
        out.putArray("pad").add(padTop).add(padLeft).add(padBottom).add(padRight);
        out.put("groups", groups);
        Attr.writeOutput(out, output);
        out.putArray("clamp").add(actMin).add(actMax);
        out.put("fc", fullyConnected);
        out.put("mask", saveMask);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> stride = Attr.intList(a, "stride", 2);
        List<Integer> pad = Attr.intList(a, "pad", 4);
        List<Integer> clamp = Attr.intList(a, "clamp", 2);
        return new TfliteConv2d(stride.get(0), stride.get(1), pad.get(0), pad.get(1), pad.get(2), pad.get(3),
                Attr.integer(a, "groups"), Attr.output(a), clamp.get(0), clamp.get(1),
                Attr.bool(a, "fc", false), Attr.bool(a, "mask", false));
    }
}
