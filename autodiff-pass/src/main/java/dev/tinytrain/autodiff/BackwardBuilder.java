package dev.tinytrain.autodiff;

import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Accumulate;
import dev.tinytrain.ir.ops.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link GradientRule} sees: it adds backward ops and reports each operand's gradient contribution.
 * Contributions to a value with several uses (the residual shortcut) are summed with {@link Accumulate} ops
 * before the value's own rule runs.
 */
public final class BackwardBuilder {
    private final GraphBuilder builder;
    private final Set<String> noGradient;
    private final Map<String, Integer> uses;
    private final Map<String, List<Value>> contributions = new HashMap<>();
    private final Map<String, Value> parameterGradients = new LinkedHashMap<>();

    BackwardBuilder(GraphBuilder builder, Set<String> noGradient, Map<String, Integer> uses) {
        this.builder = builder;
        this.noGradient = noGradient;
        this.uses = uses;
    }

    /** Adds a single-result backward op. */
    public Value add(String name, Op op, Value... operands) {
        return builder.add(name, op, operands);
    }

    /** False for graph inputs and parameters, whose gradients flow nowhere (parameters use parameterGradient). */
    public boolean needsGradient(Value v) {
        return !noGradient.contains(v.name());
    }

    /** The name for the next contribution to {@code v}'s gradient. */
    public String contributionName(Value v) {
        int n = uses.getOrDefault(v.name(), 1);
        if (n == 1) {
            return v.name() + ".grad";
        }
        return v.name() + ".grad." + contributions.getOrDefault(v.name(), List.of()).size();
    }

    /** Reports one contribution to {@code v}'s gradient. */
    public void contribute(Value v, Value gradient) {
        contributions.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(gradient);
    }

    /** Reports the gradient of a parameter. */
    public void parameterGradient(Value parameter, Value gradient) {
        if (parameterGradients.put(parameter.name(), gradient) != null) {
            throw new IllegalStateException("parameter " + parameter.name() + " is used by more than one op");
        }
    }

    /** The summed gradient of {@code v}, or null when nothing contributed. */
    Value gradientOf(Value v) {
        List<Value> cs = contributions.get(v.name());
        if (cs == null || cs.isEmpty()) {
            return null;
        }
        Value sum = cs.get(0);
        for (int i = 1; i < cs.size(); i++) {
            String name = i == cs.size() - 1 ? v.name() + ".grad" : v.name() + ".grad.sum" + i;
            sum = builder.add(name, new Accumulate(), sum, cs.get(i));
        }
        return sum;
    }

    Map<String, Value> parameterGradients() {
        return parameterGradients;
    }
}
