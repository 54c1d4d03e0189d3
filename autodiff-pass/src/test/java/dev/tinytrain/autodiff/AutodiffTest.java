package dev.tinytrain.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.ops.Accumulate;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.ir.text.IrPrinter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The derived training step, printed: a snapshot of the whole graph, and the rules TTE got wrong. */
class AutodiffTest {

    private static TrainingGraph tiny() {
        return Autodiff.differentiate(TinyGraphs.withHead(), TrainingOptions.of(0.01f, "nearest_even"));
    }

    @Test
    void trainingGraphOfATinyModelMatchesItsSnapshot() {
        String expected = """
                graph "tiny" {
                  input %input : int8[1,6,6,3] nhwc q(0.00784313725490196,0)
                  input %label : int32[1] row_major
                  param %c1.weight : int8[4,3,3,3] ohwi qc(axis=0,n=4) frozen
                  param %c1.bias : int32[4] row_major frozen
                  param %dw.weight : int8[1,3,3,4] depthwise qc(axis=3,n=4) frozen
                  param %dw.bias : int32[4] row_major frozen
                  param %pw.weight : int8[4,1,1,4] ohwi qc(axis=0,n=4) frozen
                  param %pw.bias : int32[4] row_major frozen
                  param %head.weight : float32[3,4] row_major frozen
                  param %head.bias : float32[3] row_major frozen
                  %c1, %c1.mask = conv2d(%input, %c1.weight, %c1.bias) {stride=1, pad=[1,1,1,1], groups=1, out=q(0.02,-128), mask=true} : int8[1,6,6,4] nhwc q(0.02,-128), bit[1,6,6,4] nhwc
                  %dw, %dw.mask = conv2d(%c1, %dw.weight, %dw.bias) {stride=1, pad=[1,1,1,1], groups=4, out=q(0.03,-128), mask=true} : int8[1,6,6,4] nhwc q(0.03,-128), bit[1,6,6,4] nhwc
                  %pw, %pw.mask = conv2d(%dw, %pw.weight, %pw.bias) {stride=1, pad=[0,0,0,0], groups=1, out=q(0.05,3), mask=true} : int8[1,6,6,4] nhwc q(0.05,3), bit[1,6,6,4] nhwc
                  %add, %add.mask = add_q(%c1, %pw) {out=q(0.04,-2), mask=true} : int8[1,6,6,4] nhwc q(0.04,-2), bit[1,6,6,4] nhwc
                  %pool = global_avg_pool(%add) : int8[1,1,1,4] nhwc q(0.04,-2)
                  %flatten = reshape(%pool) {shape=[1,4], layout=row_major} : int8[1,4] row_major q(0.04,-2)
                  %feature = dequantize(%flatten) : float32[1,4] row_major
                  %logits = linear(%feature, %head.weight, %head.bias) : float32[1,3] row_major
                  %loss, %logits.grad = softmax_cross_entropy(%logits, %label) : float32[1] row_major, float32[1,3] row_major
                  %head.weight.grad = linear_grad_weight(%logits.grad, %feature) : float32[3,4] row_major
                  %head.bias.grad = reshape(%logits.grad) {shape=[3], layout=row_major} : float32[3] row_major
                  %feature.grad = linear_grad_input(%logits.grad, %head.weight) : float32[1,4] row_major
                  %flatten.grad = dequantize_grad(%feature.grad) {scale=0.04} : float32[1,4] row_major
                  %pool.grad = reshape(%flatten.grad) {shape=[1,1,1,4], layout=nhwc} : float32[1,1,1,4] nhwc
                  %add.grad = avg_pool_grad(%pool.grad) {h=6, w=6} : float32[1,6,6,4] nhwc
                  %c1.grad.0 = add_grad(%add.grad, %add.mask) {operand=0, sy=0.04, sx=0.02} : float32[1,6,6,4] nhwc
                  %pw.grad = add_grad(%add.grad, %add.mask) {operand=1, sy=0.04, sx=0.05} : float32[1,6,6,4] nhwc
                  %pw.gacc = conv_grad_output(%pw.grad, %pw.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  %pw.bias.grad = conv_grad_bias(%pw.gacc) : float32[4] row_major
                  %pw.weight.grad = conv_grad_weight(%dw, %pw.gacc, %pw.weight) {stride=1, pad=[0,0,0,0], groups=1} : float32[4,1,1,4] ohwi
                  %dw.grad = conv_grad_input(%pw.gacc, %pw.weight) {stride=1, pad=[0,0,0,0], groups=1, in=[6,6,4]} : float32[1,6,6,4] nhwc
                  %dw.gacc = conv_grad_output(%dw.grad, %dw.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  %dw.bias.grad = conv_grad_bias(%dw.gacc) : float32[4] row_major
                  %dw.weight.grad = conv_grad_weight(%c1, %dw.gacc, %dw.weight) {stride=1, pad=[1,1,1,1], groups=4} : float32[4,3,3] row_major
                  %c1.grad.1 = conv_grad_input(%dw.gacc, %dw.weight) {stride=1, pad=[1,1,1,1], groups=4, in=[6,6,4]} : float32[1,6,6,4] nhwc
                  %c1.grad = accumulate(%c1.grad.0, %c1.grad.1) : float32[1,6,6,4] nhwc
                  %c1.gacc = conv_grad_output(%c1.grad, %c1.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  %c1.bias.grad = conv_grad_bias(%c1.gacc) : float32[4] row_major
                  %c1.weight.grad = conv_grad_weight(%input, %c1.gacc, %c1.weight) {stride=1, pad=[1,1,1,1], groups=1} : float32[4,3,3,3] ohwi
                  sgd_update[update:c1.weight](%c1.weight, %c1.weight.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:c1.bias](%c1.bias, %c1.bias.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:dw.weight](%dw.weight, %dw.weight.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:dw.bias](%dw.bias, %dw.bias.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:pw.weight](%pw.weight, %pw.weight.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:pw.bias](%pw.bias, %pw.bias.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:head.weight](%head.weight, %head.weight.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  sgd_update[update:head.bias](%head.bias, %head.bias.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  return %loss, %logits
                }
                """;
        assertEquals(expected, IrPrinter.print(tiny().graph()));
    }

    /** TTE overwrites the gradient of a value used twice; the shortcut's gradient must be the sum. */
    @Test
    void theResidualShortcutGradientIsSummed() {
        TrainingGraph tg = tiny();
        Node acc = tg.graph().nodes().stream().filter(n -> n.op() instanceof Accumulate).findFirst().orElseThrow();
        assertEquals("c1.grad", acc.output().name());
        assertEquals(List.of("c1.grad.0", "c1.grad.1"), acc.inputs().stream().map(v -> v.name()).toList());
        Node c1gacc = tg.graph().producer(tg.graph().value("c1.gacc").orElseThrow()).orElseThrow();
        assertEquals("c1.grad", c1gacc.inputs().get(0).name(), "the conv below the block reads the summed gradient");
    }

    /** TTE's device weight gradient reads the raw int8 input; ours reads it with its zero point. */
    @Test
    void theWeightGradientReadsTheQuantizedInputWithItsZeroPoint() {
        TrainingGraph tg = tiny();
        Node dwGrad = tg.graph().nodes().stream().filter(n -> n.name().equals("dw.weight.grad")).findFirst()
                .orElseThrow();
        assertTrue(dwGrad.op() instanceof ConvGradWeight);
        // the saved input carries its quantization (zero point -128), which the kernel subtracts
        assertEquals(-128, dwGrad.inputs().get(0).type().quantization().orElseThrow().zeroPoint());
    }

    @Test
    void updatesComeAfterEveryGradientSoBackwardUsesThePreUpdateWeights() {
        List<Node> nodes = tiny().graph().nodes();
        int firstUpdate = -1;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).op().kind() == OpKind.SGD_UPDATE && firstUpdate < 0) {
                firstUpdate = i;
            }
            if (firstUpdate >= 0) {
                assertTrue(nodes.get(i).op() instanceof SgdUpdate, "only updates after the first update");
            }
        }
    }

    @Test
    void aGraphWithoutFloatHeadIsRejected() {
        IrVerificationException e = assertThrows(IrVerificationException.class,
                () -> Autodiff.differentiate(TinyGraphs.block(), TrainingOptions.of(0.01f, "nearest_even")));
        assertTrue(e.getMessage().contains("float32 [1,N] logits"), e.getMessage());
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> TrainingOptions.of(0.01f, "truncate"));
        assertThrows(IllegalArgumentException.class, () -> TrainingOptions.of(Float.NaN, "stochastic"));
    }
}
