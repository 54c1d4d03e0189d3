package dev.tinytrain.ir.ops;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * Op trait ({@link OpTraits#inPlaceOperands()}): which operands the op's first result may overwrite. Whether it
 * does is the memory planner's decision (the operand must die at this op and nothing else may share its bytes);
 * this trait only states what the kernels of every backend allow.
 *
 * @param sameOffset operands, in order of preference, whose buffer the result may take over at the same offset
 *     when they have the result's byte size: the kernel reads element {@code i} of the operand before it writes
 *     element {@code i} of the result, and never reads an element it has already written (elementwise ops), or
 *     the result is the operand's bytes reinterpreted (reshape)
 * @param leadOffset true when the result may share operand 0's buffer starting some bytes before it: the kernel
 *     writes each output only after reading every input element that a later output still needs, once the input
 *     is far enough behind the output (a depthwise conv, which reads channel {@code c} of a window for output
 *     channel {@code c} alone); the lead itself is computed by the planner from the op's geometry
 */
public record InPlaceOperands(List<Integer> sameOffset, boolean leadOffset) {

    /** The result never overwrites an operand. */
    public static final InPlaceOperands NONE = new InPlaceOperands(List.of(), false);

    /** The result may share operand 0's buffer, starting a lead before it. */
    public static final InPlaceOperands LEAD_OFFSET = new InPlaceOperands(List.of(), true);

    /** Copies the list. */
    public InPlaceOperands {
        sameOffset = ImmutableList.copyOf(sameOffset);
    }

    /** The result may take over the buffer of one of {@code operands}, in this order (same offset, same size). */
    public static InPlaceOperands of(Integer... operands) {
        return new InPlaceOperands(List.of(operands), false);
    }
}
