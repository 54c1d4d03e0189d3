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
import dev.tinytrain.ir.ops.ConvGradBias;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradOutput;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.DequantizeGrad;
import dev.tinytrain.ir.ops.LinearGradInput;
import dev.tinytrain.ir.ops.LinearGradWeight;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.Reshape;
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
        RULES.put(OpKind.CONV2D, Optional.of(GradientRules::conv2d));
        RULES.put(OpKind.QUANTIZED_ADD, Optional.of(GradientRules::quantizedAdd));
        RULES.put(OpKind.GLOBAL_AVG_POOL, Optional.of(GradientRules::globalAvgPool));
        RULES.put(OpKind.DEQUANTIZE, Optional.of(GradientRules::dequantize));
        RULES.put(OpKind.LINEAR, Optional.of(GradientRules::linear));
        RULES.put(OpKind.RESHAPE, Optional.of(GradientRules::reshape));
        for (OpKind k : List.of(OpKind.SOFTMAX_CROSS_ENTROPY, OpKind.LINEAR_GRAD_INPUT, OpKind.LINEAR_GRAD_WEIGHT,
                OpKind.DEQUANTIZE_GRAD, OpKind.AVG_POOL_GRAD, OpKind.ADD_GRAD, OpKind.ACCUMULATE,
                OpKind.CONV_GRAD_OUTPUT, OpKind.CONV_GRAD_INPUT, OpKind.CONV_GRAD_WEIGHT, OpKind.CONV_GRAD_BIAS,
                OpKind.CHANNEL_SLICE, OpKind.SGD_UPDATE, OpKind.CONV_GRAD_WEIGHT_UPDATE, OpKind.CONV_GRAD_BIAS_UPDATE,
                OpKind.LINEAR_GRAD_WEIGHT_UPDATE, OpKind.STREAMED_BACKWARD, OpKind.BAND_REGION)) {
            // ops of the training step itself (a band region replaces a frozen prefix, a streamed backward a
            // backward chain, both after scheduling): never differentiated
            RULES.put(k, Optional.empty());
        }
        // issue 14: layers imported from .tflite are, in this version, a frozen feature extractor under the float
        // transfer head: their rule stops the gradient, so their parameters get no gradient and no update (the
        // pruner then refuses a policy that names them); backward rules for them are future work
        for (OpKind k : List.of(OpKind.TFLITE_CONV2D, OpKind.TFLITE_ADD, OpKind.TFLITE_PAD, OpKind.TFLITE_MEAN,
                OpKind.TFLITE_POOL, OpKind.TFLITE_CONCAT, OpKind.TFLITE_RELU, OpKind.TFLITE_SOFTMAX,
                OpKind.TFLITE_QUANTIZE)) {
            RULES.put(k, Optional.of(GradientRules::frozenImportedLayer));
        }
    }

    private GradientRules() {
    }

    /** An imported TFLite layer: frozen, the gradient stops at its output (nothing flows to its operands). */
    private static void frozenImportedLayer(BackwardBuilder bb, Node n, Value g) {
        // deliberately empty: see the registration above
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
     * conv (straight-through rounding, clamp mask over [-128, 127] inclusive): {@code g' = mask * g * eff[o]};
     * {@code db = sum g'}; {@code dW = corr(x - x_zero, g')}; {@code dx = conv_transpose(W, g')}.
     */
    static void conv2d(BackwardBuilder b, Node n, Value g) {
        Conv2d op = (Conv2d) n.op();
        Value x = n.inputs().get(0);
        Value w = n.inputs().get(1);
        Value bias = n.inputs().get(2);
        Value gacc = b.add(n.name() + ".gacc", new ConvGradOutput(floats(op.effectiveScales(x, w))), g,
                n.outputs().get(1));
        b.parameterGradient(bias, b.add(bias.name() + ".grad", new ConvGradBias(), gacc));
        b.parameterGradient(w, b.add(w.name() + ".grad", new ConvGradWeight(op, List.of()), x, gacc, w));
        if (b.needsGradient(x)) {
            Shape s = x.type().shape();
            b.contribute(x, b.add(b.contributionName(x), new ConvGradInput(op, s.dim(1), s.dim(2), s.dim(3)), gacc,
                    w));
        }
    }

    /** residual add: {@code dx_i = mask * g / fl32(s_y) * fl32(s_i)} for each operand. */
    static void quantizedAdd(BackwardBuilder b, Node n, Value g) {
        float sy = (float) n.output().type().requireQuantization(n.name()).scale();
        for (int i = 0; i < 2; i++) {
            Value x = n.inputs().get(i);
            float sx = (float) x.type().requireQuantization(x.name()).scale();
            if (b.needsGradient(x)) {
                b.contribute(x, b.add(b.contributionName(x), new AddGrad(i, sy, sx), g, n.outputs().get(1)));
            }
        }
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
