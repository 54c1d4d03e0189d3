package dev.tinytrain.ir.ops;

import com.google.common.collect.ImmutableList;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Objects;

/**
 * One op that computes a parameter's gradient and applies its update, replacing a gradient op and the
 * {@link SgdUpdate} that is its only reader (see {@link Op#fuseUpdate}).
 *
 * @param op the fused op (its traits have a {@link OpTraits#parameterUpdates()})
 * @param operands its operands
 */
public record FusedUpdate(Op op, List<Value> operands) {

    /** Copies the list. */
    public FusedUpdate {
        Objects.requireNonNull(op, "op");
        operands = ImmutableList.copyOf(operands);
    }
}
