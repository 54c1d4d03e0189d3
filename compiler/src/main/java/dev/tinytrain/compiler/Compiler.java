package dev.tinytrain.compiler;

import dev.tinytrain.autodiff.Autodiff;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.pruning.PolicyException;
import dev.tinytrain.pruning.PolicyResolver;
import dev.tinytrain.pruning.Pruner;
import dev.tinytrain.reorder.ChannelStreaming;
import dev.tinytrain.reorder.OperatorReorder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one entry point: forward graph -> training graph (autodiff) -> pruned graph (sparse-update policy) ->
 * schedule (fused in-place updates, channel-streamed backward) -> the frozen prefix in row bands where that helps
 * ({@link PrefixStreaming}) -> memory plan -> report, checked against the target's budgets.
 *
 * <pre>{@code
 * ImportedModel m = McuModelImporter.load(dir, 128, HeadSpec.transfer(w, b));
 * CompiledModel c = Compiler.compile(m.graph(), Target.STM32F746, CompileOptions.preset("mcunet-99kb", 1e-3f));
 * TrainingSession s = c.newSession();
 * float loss = s.trainStep(image, label);
 * }</pre>
 */
public final class Compiler {
    private Compiler() {
    }

    /**
     * Compiles the training step of {@code forward} (a graph ending in a float32 transfer head) for {@code target}.
     *
     * @throws BudgetExceededException when SRAM or Flash does not fit, naming the budget, the need and the largest
     *     contributors
     * @throws dev.tinytrain.pruning.PolicyException when the policy names a missing layer or an invalid ratio
     * @throws PlanTooLargeException when one activation alone exceeds the SRAM budget (checked before planning)
     * @throws dev.tinytrain.ir.IrVerificationException when a scale, effective scale or float parameter is not a
     *     finite float32 (rule {@code numerics}) or a tensor exceeds 2 GiB (rule {@code size})
     */
    public static CompiledModel compile(Graph forward, Target target, CompileOptions options) {
        ForwardChecks.checkFits(forward, target);
        CompiledModel c = compileUnchecked(forward, target, options);
        MemoryReport r = c.report();
        if (!r.fits()) {
            throw new BudgetExceededException(describeOverflow(r), r);
        }
        return c;
    }

    /**
     * The training step before fusion and scheduling: autodiff, then the sparse-update policy and dead-code
     * elimination. Every weight gradient exists here as a tensor (fusion removes them); the golden checks read them
     * from this step and check that the compiled step computes the same results bit for bit.
     *
     * @throws dev.tinytrain.ir.IrVerificationException when a scale, effective scale or float parameter is not a
     *     finite float32 (rule {@code numerics}) or a tensor exceeds 2 GiB (rule {@code size})
     * @throws PolicyException prefixed with the scheme's name when the policy does not fit the model
     */
    public static TrainingGraph prunedStep(Graph forward, CompileOptions options) {
        ForwardChecks.check(forward, options.training());
        TrainingGraph full = Autodiff.differentiate(forward, options.training());
        try {
            Map<String, Trainability> trainability = PolicyResolver.resolve(options.policy(), full.graph(),
                    convOrder(forward));
            return Pruner.prune(full, trainability);
        } catch (PolicyException e) {
            // the policy's own message names the layer, index or field; this names the scheme (preset or file)
            throw new PolicyException("scheme " + options.policyName() + ": " + e.getMessage(), e);
        }
    }

    /** Compiles without enforcing the budgets (the report still says whether it fits). */
    public static CompiledModel compileUnchecked(Graph forward, Target target, CompileOptions options) {
        TrainingGraph pruned = prunedStep(forward, options);
        TrainingGraph scheduled = options.fuseUpdates() ? OperatorReorder.run(pruned) : pruned;
        if (options.fuseUpdates() && options.streamBackward()) {
            scheduled = ChannelStreaming.run(scheduled);
        }
        PrefixStreaming.Choice choice = PrefixStreaming.choose(scheduled, options, target);
        MemoryReport report = MemoryReport.of(choice.step(), choice.plan(), target, options.policyName());
        return new CompiledModel(forward, choice.step(), choice.plan(), report, target, options);
    }

    /**
     * Backbone convs in forward order: TTE's layer index ({@code manual_weight_idx}); for an imported TFLite model
     * every {@code tfl.conv2d} before the head (convs, depthwise convs, fully connected layers but the last).
     */
    public static List<String> convOrder(Graph forward) {
        return forward.nodes().stream().filter(n -> n.op() instanceof ConvLayer).map(Node::name).toList();
    }

    private static String describeOverflow(MemoryReport r) {
        StringBuilder sb = new StringBuilder();
        if (r.sramTotalBytes() > r.sramBudgetBytes()) {
            sb.append(String.format(Locale.ROOT, "SRAM budget of %s is %,d B but the step needs %,d B (%,d B over): ",
                    r.target(), r.sramBudgetBytes(), r.sramTotalBytes(), r.sramTotalBytes() - r.sramBudgetBytes()));
            sb.append(r.sramParts().entrySet().stream().filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(e -> String.format(Locale.ROOT, "%s %,d B", e.getKey(), e.getValue()))
                    .collect(Collectors.joining(", ")));
            sb.append("; largest arena tensors: ").append(r.tensors().stream()
                    .sorted((a, b) -> Long.compare(b.bytes(), a.bytes())).limit(3)
                    .map(t -> String.format(Locale.ROOT, "%s %,d B", t.buffer(), t.bytes()))
                    .collect(Collectors.joining(", ")));
        }
        if (r.flashBytes() > r.flashBudgetBytes()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(String.format(Locale.ROOT, "Flash budget of %s is %,d B but the step needs %,d B: frozen weights"
                    + " %,d B, frozen biases %,d B, constants %,d B, code %,d B", r.target(), r.flashBudgetBytes(),
                    r.flashBytes(), r.frozenWeightBytes(), r.frozenBiasBytes(), r.constantBytes(), r.codeBytes()));
        }
        return sb.toString();
    }
}
