package dev.tinytrain.autodiff;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;

/**
 * The vector-Jacobian product of one op kind: given the gradient of the node's (first) result, emits backward
 * ops and reports the gradient contribution of each operand.
 */
@FunctionalInterface
public interface GradientRule {

    /**
     * Emits the backward ops of {@code forward}.
     *
     * @param b where backward ops are added and operand gradients reported
     * @param forward the forward node, as it appears in the training graph (convs and adds carry their mask)
     * @param grad the gradient of the node's first result
     */
    void backward(BackwardBuilder b, Node forward, Value grad);
}
