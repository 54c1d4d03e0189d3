package dev.tinytrain.reorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.Autodiff;
import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.text.IrPrinter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fusing updates into their gradient ops and ordering them: the printed backward before and after. */
class OperatorReorderTest {

    private static TrainingGraph tiny() {
        return Autodiff.differentiate(TinyGraphs.withHead(), TrainingOptions.of(0.01f, "stochastic"));
    }

    /** The backward part of the printed step after fusion and scheduling (forward and loss are unchanged). */
    @Test
    void fusedScheduleMatchesItsSnapshot() {
        String printed = IrPrinter.print(OperatorReorder.run(tiny()).graph());
        String backward = printed.substring(printed.indexOf("  %loss"));
        String expected = """
                  %loss, %logits.grad = softmax_cross_entropy(%logits, %label) : float32[1] row_major, float32[1,3] row_major
                  sgd_update[update:head.bias](%head.bias, %logits.grad) {lr=0.01, qas=none, rounding=stochastic}
                  %feature.grad = linear_grad_input(%logits.grad, %head.weight) : float32[1,4] row_major
                  linear_grad_weight_update[update:head.weight](%logits.grad, %feature, %head.weight) {lr=0.01, qas=none, rounding=stochastic}
                  %flatten.grad = dequantize_grad(%feature.grad) {scale=0.04} : float32[1,4] row_major
                  %pool.grad = reshape(%flatten.grad) {shape=[1,1,1,4], layout=nhwc} : float32[1,1,1,4] nhwc
                  %add.grad = avg_pool_grad(%pool.grad) {h=6, w=6} : float32[1,6,6,4] nhwc
                  %c1.grad.0 = add_grad(%add.grad, %add.mask) {operand=0, sy=0.04, sx=0.02} : float32[1,6,6,4] nhwc
                  %pw.grad = add_grad(%add.grad, %add.mask) {operand=1, sy=0.04, sx=0.05} : float32[1,6,6,4] nhwc
                  %pw.gacc = conv_grad_output(%pw.grad, %pw.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  conv_grad_bias_update[update:pw.bias](%pw.gacc, %pw.bias) {lr=0.01, qas=[4 divisors], rounding=stochastic}
                  %dw.grad = conv_grad_input(%pw.gacc, %pw.weight) {stride=1, pad=[0,0,0,0], groups=1, in=[6,6,4]} : float32[1,6,6,4] nhwc
                  %pw.weight.ws = conv_grad_weight_update[update:pw.weight](%dw, %pw.gacc, %pw.weight) {stride=1, pad=[0,0,0,0], groups=1, lr=0.01, qas=[4 divisors], rounding=stochastic} : float32[4] row_major
                  %dw.gacc = conv_grad_output(%dw.grad, %dw.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  conv_grad_bias_update[update:dw.bias](%dw.gacc, %dw.bias) {lr=0.01, qas=[4 divisors], rounding=stochastic}
                  %c1.grad.1 = conv_grad_input(%dw.gacc, %dw.weight) {stride=1, pad=[1,1,1,1], groups=4, in=[6,6,4]} : float32[1,6,6,4] nhwc
                  %dw.weight.ws = conv_grad_weight_update[update:dw.weight](%c1, %dw.gacc, %dw.weight) {stride=1, pad=[1,1,1,1], groups=4, lr=0.01, qas=[4 divisors], rounding=stochastic} : float32[9] row_major
                  %c1.grad = accumulate(%c1.grad.0, %c1.grad.1) : float32[1,6,6,4] nhwc
                  %c1.gacc = conv_grad_output(%c1.grad, %c1.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  %c1.weight.ws = conv_grad_weight_update[update:c1.weight](%input, %c1.gacc, %c1.weight) {stride=1, pad=[1,1,1,1], groups=1, lr=0.01, qas=[4 divisors], rounding=stochastic} : float32[27] row_major
                  conv_grad_bias_update[update:c1.bias](%c1.gacc, %c1.bias) {lr=0.01, qas=[4 divisors], rounding=stochastic}
                  return %loss, %logits
                }
                """;
        // the input gradient of each layer uses the pre-update weights: it comes before the fused weight update,
        // and the gradient buffer g' dies right after both
        assertEquals(expected, backward);
        assertTrue(!printed.contains("conv_grad_weight(") && !printed.contains("linear_grad_weight("),
                "no weight-gradient tensor remains");
    }

    @Test
    void noParameterIsReadAfterItsUpdate() {
        TrainingGraph s = OperatorReorder.run(tiny());
        OperatorReorder.checkNoReadAfterUpdate(s.graph().nodes());
        assertTrue(s.gradients().isEmpty(), "every update is fused, so no gradient tensor is left");
        assertEquals(8, s.graph().nodes().stream().filter(n -> n.traits().hasSideEffects()).count());
    }

    @Test
    void theCheckerCatchesAReadAfterAnUpdate() {
        TrainingGraph s = OperatorReorder.run(tiny());
        List<Node> nodes = new ArrayList<>(s.graph().nodes());
        // move the pw weight update before pw's input gradient: that input gradient would see updated weights
        Node update = nodes.stream().filter(n -> n.name().equals("update:pw.weight")).findFirst().orElseThrow();
        Node dx = nodes.stream().filter(n -> n.op().kind() == OpKind.CONV_GRAD_INPUT
                && n.inputs().get(1).name().equals("pw.weight")).findFirst().orElseThrow();
        nodes.remove(update);
        nodes.add(nodes.indexOf(dx), update);
        IrVerificationException e = assertThrows(IrVerificationException.class,
                () -> OperatorReorder.checkNoReadAfterUpdate(nodes));
        assertTrue(e.getMessage().contains("pw.weight"), e.getMessage());
    }
}
