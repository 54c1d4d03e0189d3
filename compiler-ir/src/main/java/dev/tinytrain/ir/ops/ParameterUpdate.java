package dev.tinytrain.ir.ops;

import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Objects;

/**
 * Op trait ({@link OpTraits#parameterUpdates()}): the op writes a trainable parameter in place. Such an op acts by
 * side effect (dead-code elimination keeps it as a root), and a schedule must run it after every op that reads the
 * parameter's old value.
 *
 * @param parameterOperand index of the operand that is the parameter written
 * @param rule how the parameter is written: learning rate, QAS divisors, rounding, trained channels
 */
public record ParameterUpdate(int parameterOperand, SgdUpdate rule) {

    /** Validates the operand index. */
    public ParameterUpdate {
        if (parameterOperand < 0) {
            throw new IllegalArgumentException("parameter operand must be >= 0, got " + parameterOperand);
        }
        Objects.requireNonNull(rule, "rule");
    }

    /** The parameter among the op's {@code operands}. */
    public Value parameter(List<Value> operands) {
        return operands.get(parameterOperand);
    }
}
