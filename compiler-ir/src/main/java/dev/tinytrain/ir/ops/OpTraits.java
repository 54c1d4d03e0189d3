package dev.tinytrain.ir.ops;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The traits of one op: the facts the passes, the memory planner, the memory report and the backends ask about an
 * op without knowing its kind ({@link Op#traits}).
 *
 * @param parameterUpdates the parameters the op writes in place and the rules it writes them by (one for a fused
 *     update, several for a channel-streamed backward region); empty for ops that only define results
 * @param savedForBackward what a forward op keeps for its gradient rule
 * @param inPlaceOperands which operands the op's first result may overwrite
 */
public record OpTraits(List<ParameterUpdate> parameterUpdates, SavedForBackward savedForBackward,
                       InPlaceOperands inPlaceOperands) {

    /** An op that writes no parameter, keeps nothing for backward and overwrites no operand. */
    public static final OpTraits NONE =
            new OpTraits(Optional.empty(), SavedForBackward.NOTHING, InPlaceOperands.NONE);

    /** Checks the components and copies the list. */
    public OpTraits {
        parameterUpdates = ImmutableList.copyOf(parameterUpdates);
        Objects.requireNonNull(savedForBackward, "savedForBackward");
        Objects.requireNonNull(inPlaceOperands, "inPlaceOperands");
    }

    /** An op that writes at most one parameter in place. */
    public OpTraits(Optional<ParameterUpdate> parameterUpdate, SavedForBackward savedForBackward,
                    InPlaceOperands inPlaceOperands) {
        this(parameterUpdate.map(List::of).orElse(List.of()), savedForBackward, inPlaceOperands);
    }

    /** An op whose result may overwrite {@code operands} (and that has no other trait). */
    public static OpTraits inPlace(InPlaceOperands operands) {
        return new OpTraits(Optional.empty(), SavedForBackward.NOTHING, operands);
    }

    /** An op that writes operand {@code parameterOperand} in place by {@code rule} (and has no other trait). */
    public static OpTraits update(int parameterOperand, SgdUpdate rule) {
        return new OpTraits(Optional.of(new ParameterUpdate(parameterOperand, rule)), SavedForBackward.NOTHING,
                InPlaceOperands.NONE);
    }

    /** True when the op acts by side effect (it writes a parameter): dead-code elimination keeps it. */
    public boolean hasSideEffects() {
        return !parameterUpdates.isEmpty();
    }
}
