package dev.tinytrain.compiler;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.planner.MemoryPlan;
import java.util.Locale;

/**
 * Checks of a forward graph before the passes run, cheap (one walk over the graph) and aimed at input a user or
 * an attacker controls:
 *
 * <ul>
 *   <li><b>sizes</b>: every tensor fits one arena (at most {@link #MAX_TENSOR_BYTES}), and no single activation
 *       is larger than the target's SRAM (every activation is written by the forward of the step, so the step
 *       cannot fit): a model or resolution that cannot fit is refused in milliseconds, not after the planner;</li>
 *   <li><b>numbers</b>: every value a backend computes with in float32 is finite there: conv effective scales
 *       and QAS divisors are finite, normal and {@code > 0}, the residual add's scale ratios too, and every float
 *       parameter (the head) is finite. A float64 scale such as 1e-300 would otherwise become 0 or infinity in
 *       float32 and the generated code would compute with it.</li>
 * </ul>
 */
final class ForwardChecks {
    /** The largest tensor: offsets in the arena are 32-bit on the JVM and on the microcontroller. */
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - MemoryPlan.DEFAULT_ALIGNMENT;

    private ForwardChecks() {
    }

    /**
     * Checks the sizes and numbers of {@code forward}.
     *
     * @throws IrVerificationException naming the op or parameter and the value at fault (rule {@code numerics}
     *     or {@code size})
     */
    static void check(Graph forward, TrainingOptions training) {
        for (Value v : forward.inputs()) {
            checkSize(null, v);
        }
        for (Parameter p : forward.parameters()) {
            checkSize(null, p.value());
            if (p.value().type().dtype() == DType.FLOAT32) {
                float[] f = p.data().toFloat32();
                for (int i = 0; i < f.length; i++) {
                    if (!Float.isFinite(f[i])) {
                        throw new IrVerificationException(null, "numerics", "parameter " + p.name() + "[" + i
                                + "] is " + f[i] + "; every float parameter must be finite");
                    }
                }
            }
        }
        for (Node n : forward.nodes()) {
            for (Value out : n.outputs()) {
                checkSize(n.name(), out);
            }
            if (n.op() instanceof ConvLayer conv) {
                Value x = n.inputs().get(0);
                Value w = n.inputs().get(1);
                float[] eff = conv.effectiveScales(x, w);
                requireNormal(n, "effective scale", eff);
                if (training.qas()) {
                    double xs = x.type().requireQuantization(x.name()).scale();
                    double ys = conv.output().scale();
                    requireNormal(n, "QAS weight divisor (w_scale^2)", SgdUpdate.qasWeightDivisors(eff, ys, xs));
                    requireNormal(n, "QAS bias divisor ((x_scale w_scale)^2)", SgdUpdate.qasBiasDivisors(eff, ys));
                }
            } else if (n.op() instanceof QuantizedAdd add) {
                float out = (float) add.output().scale();
                for (int i = 0; i < 2; i++) {
                    Quantization q = n.inputs().get(i).type().requireQuantization(n.inputs().get(i).name());
                    requireNormal(n, "operand " + i + " scale ratio", new float[] {(float) q.scale() / out});
                }
            }
        }
    }

    /**
     * Refuses a step that cannot fit {@code target} by the cheapest bound: an activation larger than the SRAM
     * budget (the step's forward writes every activation).
     *
     * @throws PlanTooLargeException naming the activation, its size and the budget
     */
    static void checkFits(Graph forward, Target target) {
        for (Node n : forward.nodes()) {
            for (Value v : n.outputs()) {
                long bytes = v.type().byteSize();
                if (bytes > target.sramBytes()) {
                    throw new PlanTooLargeException(String.format(Locale.ROOT, "SRAM budget of %s is %,d B but the"
                            + " activation %%%s %s of op '%s' alone needs %,d B: the training step cannot fit"
                            + " (refused before planning)", target.name(), target.sramBytes(), v.name(),
                            v.type().shape(), n.name(), bytes));
                }
            }
        }
    }

    private static void requireNormal(Node n, String what, float[] values) {
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!Float.isFinite(v) || v < Float.MIN_NORMAL) {
                throw new IrVerificationException(n.name(), "numerics", String.format(Locale.ROOT,
                        "%s%s is %s in float32; it must be a finite, normal number > 0 (a scale of this op is out"
                                + " of range)", what, values.length > 1 ? "[" + i + "]" : "", v));
            }
        }
    }

    private static void checkSize(String node, Value v) {
        long bytes = v.type().byteSize();
        if (bytes > MAX_TENSOR_BYTES) {
            throw new IrVerificationException(node, "size", String.format(Locale.ROOT, "%%%s %s%s needs %,d bytes,"
                    + " more than one arena can address (%,d)", v.name(), v.type().dtype().irName(), v.type().shape(),
                    bytes, MAX_TENSOR_BYTES));
        }
    }
}
