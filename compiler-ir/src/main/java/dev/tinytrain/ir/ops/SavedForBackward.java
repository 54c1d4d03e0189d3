package dev.tinytrain.ir.ops;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * Op trait ({@link OpTraits#savedForBackward()}): what a forward op keeps for its gradient rule. Backward and
 * update ops, and forward ops whose gradient needs only attributes and shapes, keep {@link #NOTHING}.
 *
 * @param operands the operands the gradient rule reads besides the incoming gradient, in increasing order: they
 *     stay alive (activations) or unchanged (parameters, updated only after the backward has read them) until
 *     the backward has run
 * @param clampMask true when the op can save the clamp mask of its saturating output as an extra {@code bit}
 *     result after its value ({@link Op#withSaveMask}): 1 where the gradient passes the clamp
 * @param partialInput how the op's input (operand 0) is kept when only some channels of its weight train
 */
public record SavedForBackward(List<Integer> operands, boolean clampMask, PartialInput partialInput) {

    /** Keeps nothing of the forward pass. */
    public static final SavedForBackward NOTHING =
            new SavedForBackward(List.of(), false, PartialInput.NOT_PARTIAL);

    /** How an op's saved input is kept when only some output channels of its weight train. */
    public enum PartialInput {
        /** The op's weight trains whole or not at all. */
        NOT_PARTIAL,
        /** Only the trained input channels are kept, as a {@link ChannelSlice} of the input (a dense conv). */
        TRAINED_CHANNELS,
        /**
         * The whole input is kept; the weight gradient reads only the trained channels of it (a depthwise conv,
         * whose trained output channel {@code c} reads input channel {@code c} alone).
         */
        WHOLE
    }

    /** Validates the operand indices and copies the list. */
    public SavedForBackward {
        operands = ImmutableList.copyOf(operands);
        for (int i = 0; i < operands.size(); i++) {
            if (operands.get(i) < 0 || i > 0 && operands.get(i) <= operands.get(i - 1)) {
                throw new IllegalArgumentException("saved operands must be increasing and >= 0: " + operands);
            }
        }
    }
}
