package dev.tinytrain.autodiff;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.Op;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.ir.ops.SoftmaxCrossEntropy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation at compile time: turns a forward graph ending in a float32 head into the whole
 * training step — forward with the clamp masks backward needs, softmax cross-entropy against an int32
 * {@code label} input, every backward op, and an {@link SgdUpdate} per parameter (QAS divisors and the rounding
 * mode fixed here). The result trains every parameter; {@code pruning-pass} then keeps what the sparse-update
 * policy asks for. Updates come after the whole backward, so every gradient uses the pre-update weights.
 */
public final class Autodiff {
    private Autodiff() {
    }

    /**
     * Derives the training step of {@code forward}.
     *
     * @throws IrVerificationException when the graph does not end in a float32 {@code [1,N]} head
     */
    public static TrainingGraph differentiate(Graph forward, TrainingOptions options) {
        if (forward.outputs().size() != 1) {
            throw new IrVerificationException(null, "autodiff", "the forward graph must have exactly one output (the"
                    + " logits), has " + forward.outputs().size());
        }
        Value logits = forward.outputs().get(0);
        if (logits.type().dtype() != DType.FLOAT32 || logits.type().shape().rank() != 2) {
            throw new IrVerificationException(null, "autodiff", "training needs float32 [1,N] logits (a float transfer"
                    + " head: import with HeadSpec.transfer); %" + logits.name() + " is " + logits.type().dtype().irName()
                    + logits.type().shape());
        }
        GraphBuilder b = new GraphBuilder(forward.name());
        Set<String> noGradient = new HashSet<>();
        for (Value in : forward.inputs()) {
            b.input(in.name(), in.type());
            noGradient.add(in.name());
        }
        Value label = b.input("label", TensorType.of(DType.INT32, Shape.of(1), Layout.ROW_MAJOR));
        for (Parameter p : forward.parameters()) {
            b.parameter(p.name(), p.value().type(), p.data(), p.trainability());
            noGradient.add(p.name());
        }
        Map<String, Integer> uses = new HashMap<>();
        Map<String, Node> trainingNodes = new LinkedHashMap<>();
        for (Node n : forward.nodes()) {
            n.inputs().forEach(v -> uses.merge(v.name(), 1, Integer::sum));
            Op op = n.op();
            List<String> names = new ArrayList<>();
            n.outputs().forEach(v -> names.add(v.name()));
            if (n.traits().savedForBackward().clampMask()) {
                op = op.withSaveMask(true);
                names.add(n.output().name() + ".mask");
            }
            List<Value> outs = b.addMulti(n.name(), op, names, n.inputs().toArray(Value[]::new));
            trainingNodes.put(n.name(), new Node(n.name(), op, n.inputs(), outs));
        }
        List<Value> lossOuts = b.addMulti("loss", new SoftmaxCrossEntropy(), List.of("loss", logits.name() + ".grad"),
                logits, label);
        BackwardBuilder bb = new BackwardBuilder(b, noGradient, uses);
        bb.contribute(logits, lossOuts.get(1));
        List<Node> reversed = new ArrayList<>(trainingNodes.values());
        java.util.Collections.reverse(reversed);
        for (Node n : reversed) {
            Value g = bb.gradientOf(n.output());
            if (g == null) {
                continue;
            }
            GradientRules.forKind(n.op().kind()).orElseThrow(() -> new IrVerificationException(n.name(), "autodiff",
                    n.op().kind().irName() + " is not differentiable")).backward(bb, n, g);
        }
        Map<String, String> gradients = new LinkedHashMap<>();
        Map<String, Float[]> qas = qasDivisors(forward, options);
        int paramId = 0;
        for (Parameter p : forward.parameters()) {
            Value g = bb.parameterGradients().get(p.name());
            if (g == null) {
                continue;
            }
            gradients.put(p.name(), g.name());
            float lr = p.value().type().dtype() == DType.INT32 ? options.biasLr() : options.lr();
            List<Float> div = qas.containsKey(p.name()) ? List.of(qas.get(p.name())) : List.of();
            b.addEffect("update:" + p.name(), new SgdUpdate(lr, div, options.rounding(), List.of(), paramId++),
                    p.value(), g);
        }
        b.output(lossOuts.get(0), logits);
        return new TrainingGraph(b.build(), label.name(), "loss", logits.name(), gradients);
    }

    /** QAS divisors of every conv weight and bias, native or TFLite (none for the float head, none when QAS is off). */
    private static Map<String, Float[]> qasDivisors(Graph forward, TrainingOptions options) {
        Map<String, Float[]> out = new HashMap<>();
        if (!options.qas()) {
            return out;
        }
        for (Node n : forward.nodes()) {
            if (n.op() instanceof ConvLayer c) {
                Value x = n.inputs().get(0);
                float[] eff = c.effectiveScales(x, n.inputs().get(1));
                double xs = x.type().requireQuantization(x.name()).scale();
                double ys = c.output().scale();
                out.put(n.inputs().get(1).name(), box(SgdUpdate.qasWeightDivisors(eff, ys, xs)));
                out.put(n.inputs().get(2).name(), box(SgdUpdate.qasBiasDivisors(eff, ys)));
            }
        }
        return out;
    }

    private static Float[] box(float[] a) {
        Float[] f = new Float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = a[i];
        }
        return f;
    }
}
