package dev.tinytrain.autodiff;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.AddGrad;
import dev.tinytrain.ir.ops.AvgPoolGrad;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.ConvGradBias;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradOutput;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.DequantizeGrad;
import dev.tinytrain.ir.ops.LinearGradInput;
import dev.tinytrain.ir.ops.LinearGradWeight;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.ir.ops.TfliteConcat;
import dev.tinytrain.ir.ops.TfliteConcatGrad;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.ir.ops.TflitePadGrad;
import dev.tinytrain.ir.ops.TflitePool;
import dev.tinytrain.ir.ops.TflitePoolGrad;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every gradient rule, one small method per differentiable op kind, in one place (semantics:
 * {@code ARCHITECTURE.md} §3 and the authors' {@code quantized_ops_diff.py}). Backward and update kinds are
 * listed as not differentiable, so that {@code GradientRulesTest} can fail for a kind that has no entry.
 */
public final class GradientRules {
    private static final Map<OpKind, Optional<GradientRule>> RULES = new EnumMap<>(OpKind.class);

    static {
        RULES.put(OpKind.CONV2D, Optional.of(GradientRules::conv));
        RULES.put(OpKind.QUANTIZED_ADD, Optional.of(GradientRules::quantizedAdd));
        RULES.put(OpKind.GLOBAL_AVG_POOL, Optional.of(GradientRules::globalAvgPool));
        RULES.put(OpKind.DEQUANTIZE, Optional.of(GradientRules::dequantize));
        RULES.put(OpKind.LINEAR, Optional.of(GradientRules::linear));
        RULES.put(OpKind.RESHAPE, Optional.of(GradientRules::reshape));
        // layers imported from .tflite (TFLite integer numerics): the same straight-through rules
        RULES.put(OpKind.TFLITE_CONV2D, Optional.of(GradientRules::conv));
        RULES.put(OpKind.TFLITE_ADD, Optional.of(GradientRules::quantizedAdd));
        RULES.put(OpKind.TFLITE_RELU, Optional.of(GradientRules::tfliteRelu));
        RULES.put(OpKind.TFLITE_PAD, Optional.of(GradientRules::tflitePad));
        RULES.put(OpKind.TFLITE_MEAN, Optional.of(GradientRules::tfliteMean));
        RULES.put(OpKind.TFLITE_POOL, Optional.of(GradientRules::tflitePool));
        RULES.put(OpKind.TFLITE_CONCAT, Optional.of(GradientRules::tfliteConcat));
        // QUANTIZE reads the float model input, which needs no gradient: the gradient stops at its output
        RULES.put(OpKind.TFLITE_QUANTIZE, Optional.of(GradientRules::stopAtModelInput));
        for (OpKind k : List.of(OpKind.SOFTMAX_CROSS_ENTROPY, OpKind.LINEAR_GRAD_INPUT, OpKind.LINEAR_GRAD_WEIGHT,
                OpKind.DEQUANTIZE_GRAD, OpKind.AVG_POOL_GRAD, OpKind.ADD_GRAD, OpKind.ACCUMULATE,
                OpKind.CONV_GRAD_OUTPUT, OpKind.CONV_GRAD_INPUT, OpKind.CONV_GRAD_WEIGHT, OpKind.CONV_GRAD_BIAS,
                OpKind.CHANNEL_SLICE, OpKind.SGD_UPDATE, OpKind.CONV_GRAD_WEIGHT_UPDATE, OpKind.CONV_GRAD_BIAS_UPDATE,
                OpKind.LINEAR_GRAD_WEIGHT_UPDATE, OpKind.TFLITE_PAD_GRAD, OpKind.TFLITE_POOL_GRAD,
                OpKind.TFLITE_CONCAT_GRAD, OpKind.STREAMED_BACKWARD, OpKind.BAND_REGION)) {
            // ops of the training step itself (a band region replaces a frozen prefix, a streamed backward a
            // backward chain, both after scheduling): never differentiated
            RULES.put(k, Optional.empty());
        }
        // a TFLite SOFTMAX only ever follows the classifier, which the transfer head replaces with everything after
        // it; a softmax inside the backbone is refused by Autodiff ("not differentiable") if a gradient reaches it
        RULES.put(OpKind.TFLITE_SOFTMAX, Optional.empty());
    }

    private GradientRules() {
    }

    /** True when {@code kind} has an entry (a rule, or the explicit statement that it is not differentiable). */
    public static boolean hasEntry(OpKind kind) {
        return RULES.containsKey(kind);
    }

    /** The rule of {@code kind}, empty for kinds that are not differentiated. */
    public static Optional<GradientRule> forKind(OpKind kind) {
        Optional<GradientRule> r = RULES.get(kind);
        if (r == null) {
            throw new IllegalStateException("no gradient entry for op kind " + kind.irName());
        }
        return r;
    }

    /**
     * conv, native or TFLite (straight-through rounding, clamp mask over the clamp range inclusive: [-128, 127], or
     * a TFLite layer's fused activation range): {@code g' = mask * g * eff[o]}; {@code db = sum g'};
     * {@code dW = corr(x - x_zero, g')}; {@code dx = conv_transpose(W, g')}. A layer whose geometry the backward
     * ops cannot express ({@link ConvLayer#gradientGeometry()}) stops the gradient, as a frozen layer would.
     */
    static void conv(BackwardBuilder b, Node n, Value g) {
        ConvLayer op = (ConvLayer) n.op();
        Conv2d geometry = op.gradientGeometry().orElse(null);
        if (geometry == null) {
            return;
        }
        Value x = n.inputs().get(0);
        Value w = n.inputs().get(1);
        Value bias = n.inputs().get(2);
        Value gacc = b.add(n.name() + ".gacc", new ConvGradOutput(floats(op.effectiveScales(x, w))), g,
                n.outputs().get(1));
        b.parameterGradient(bias, b.add(bias.name() + ".grad", new ConvGradBias(), gacc));
        b.parameterGradient(w, b.add(w.name() + ".grad", new ConvGradWeight(geometry, List.of()), x, gacc, w));
        if (b.needsGradient(x)) {
            Shape s = x.type().shape();
            b.contribute(x, b.add(b.contributionName(x), new ConvGradInput(geometry, s.dim(1), s.dim(2), s.dim(3)),
                    gacc, w));
        }
    }

    /**
     * residual add, native or TFLite (their sums are {@code (s_1 (x_1 - z_1) + s_2 (x_2 - z_2)) / s_y} before
     * rounding): {@code dx_i = mask * g / fl32(s_y) * fl32(s_i)} for each operand.
     */
    static void quantizedAdd(BackwardBuilder b, Node n, Value g) {
        for (int i = 0; i < 2; i++) {
            rescaled(b, n, g, i);
        }
    }

    /** TFLite ReLU, {@code (x - x_zero) s_x / s_y} clamped to {@code [max(-128, y_zero), 127]}: as one add operand. */
    static void tfliteRelu(BackwardBuilder b, Node n, Value g) {
        rescaled(b, n, g, 0);
    }

    /** {@code dx_i = mask * g / fl32(s_y) * fl32(s_i)} for operand {@code i} of a rescaling op with a clamp mask. */
    private static void rescaled(BackwardBuilder b, Node n, Value g, int i) {
        float sy = (float) n.output().type().requireQuantization(n.name()).scale();
        Value x = n.inputs().get(i);
        float sx = (float) x.type().requireQuantization(x.name()).scale();
        if (b.needsGradient(x)) {
            b.contribute(x, b.add(b.contributionName(x), new AddGrad(i, sy, sx), g, n.outputs().get(1)));
        }
    }

    /** TFLite pad: the gradient cropped back to the input (the padding is a constant). */
    static void tflitePad(BackwardBuilder b, Node n, Value g) {
        Value x = n.inputs().get(0);
        if (!b.needsGradient(x)) {
            return;
        }
        b.contribute(x, b.add(b.contributionName(x), new TflitePadGrad((TflitePad) n.op()), g));
    }

    /**
     * TFLite mean over height and width, {@code (sum (x - x_zero) / (H*W)) s_x / s_y}: {@code g * fl32(s_x / s_y)}
     * (skipped when that is 1, as when the mean keeps the quantization), then spread as {@code / (H*W)} over every
     * position.
     */
    static void tfliteMean(BackwardBuilder b, Node n, Value g) {
        Value x = n.inputs().get(0);
        if (!b.needsGradient(x)) {
            return;
        }
        double sx = x.type().requireQuantization(x.name()).scale();
        float ratio = (float) (sx / n.output().type().requireQuantization(n.name()).scale());
        Value rescaled = ratio == 1.0f ? g : b.add(n.name() + ".grad.rescaled", new DequantizeGrad(ratio), g);
        Shape s = x.type().shape();
        b.contribute(x, b.add(b.contributionName(x), new AvgPoolGrad(s.dim(1), s.dim(2)), rescaled));
    }

    /** TFLite max pool (to the first maximum of each window) or average pool (spread over the taps read). */
    static void tflitePool(BackwardBuilder b, Node n, Value g) {
        Value x = n.inputs().get(0);
        if (!b.needsGradient(x)) {
            return;
        }
        b.contribute(x, b.add(b.contributionName(x), new TflitePoolGrad((TflitePool) n.op()), g, x));
    }

    /** TFLite concatenation (a copy): each operand gets its part of the gradient. */
    static void tfliteConcat(BackwardBuilder b, Node n, Value g) {
        int axis = ((TfliteConcat) n.op()).axis();
        int start = 0;
        for (Value x : n.inputs()) {
            int length = x.type().shape().dim(axis);
            if (b.needsGradient(x)) {
                b.contribute(x, b.add(b.contributionName(x), new TfliteConcatGrad(axis, start, length), g));
            }
            start += length;
        }
    }

    /** An op on the model input (which takes no gradient): nothing flows on. */
    private static void stopAtModelInput(BackwardBuilder bb, Node n, Value g) {
        // deliberately empty: see the registration
    }

    /** average pool: {@code g / (H*W)} at every position. */
    static void globalAvgPool(BackwardBuilder b, Node n, Value g) {
        Value x = n.inputs().get(0);
        Shape s = x.type().shape();
        b.contribute(x, b.add(b.contributionName(x), new AvgPoolGrad(s.dim(1), s.dim(2)), g));
    }

    /** dequantize (straight-through): {@code g * fl32(scale)}. */
    static void dequantize(BackwardBuilder b, Node n, Value g) {
        Value q = n.inputs().get(0);
        Quantization qq = q.type().requireQuantization(q.name());
        b.contribute(q, b.add(b.contributionName(q), new DequantizeGrad((float) qq.scale()), g));
    }

    /** float head: {@code dW = g^T x}, {@code db = g}, {@code dx = g W}. */
    static void linear(BackwardBuilder b, Node n, Value g) {
        Value x = n.inputs().get(0);
        Value w = n.inputs().get(1);
        Value bias = n.inputs().get(2);
        b.parameterGradient(w, b.add(w.name() + ".grad", new LinearGradWeight(), g, x));
        b.parameterGradient(bias, b.add(bias.name() + ".grad",
                new Reshape(bias.type().shape(), Layout.ROW_MAJOR), g));
        if (b.needsGradient(x)) {
            b.contribute(x, b.add(b.contributionName(x), new LinearGradInput(), g, w));
        }
    }

    /** reshape: the gradient reshaped back. */
    static void reshape(BackwardBuilder b, Node n, Value g) {
        Value x = n.inputs().get(0);
        if (g.type().dtype() != DType.FLOAT32) {
            throw new IllegalStateException("gradient of " + n.name() + " is not float32");
        }
        b.contribute(x, b.add(b.contributionName(x), new Reshape(x.type().shape(), x.type().layout()), g));
    }

    private static List<Float> floats(float[] a) {
        Float[] boxed = new Float[a.length];
        for (int i = 0; i < a.length; i++) {
            boxed[i] = a[i];
        }
        return List.of(boxed);
    }
}
