package dev.tinytrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.Autodiff;
import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.ir.text.IrPrinter;
import dev.tinytrain.pruning.ChannelSelection.Rule;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Printed-IR snapshots of a tiny model's training step (conv3x3, depthwise, pointwise, residual add, pool, float
 * head) before and after pruning, and the pruner's errors.
 */
class PrunerSnapshotTest {
    private static final List<String> ORDER = List.of("c1", "dw", "pw");

    private static TrainingGraph full() {
        return Autodiff.differentiate(TinyGraphs.withHead(), TrainingOptions.of(0.01f, "nearest_even"));
    }

    private static String pruned(SparseUpdatePolicy p) {
        return IrPrinter.print(Pruner.prune(full(), p, ORDER).graph());
    }

    /** The input of every snapshot below: autodiff's full step, every parameter updated. */
    @Test
    void beforePruning() {
        assertEquals("""
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
                """, IrPrinter.print(full().graph()));
    }

    /** Head only: no mask, no backbone gradient; backprop stops at the head. */
    @Test
    void headOnly() {
        assertEquals("""
                graph "tiny" {
                  input %input : int8[1,6,6,3] nhwc q(0.00784313725490196,0)
                  input %label : int32[1] row_major
                  param %c1.weight : int8[4,3,3,3] ohwi qc(axis=0,n=4) frozen
                  param %c1.bias : int32[4] row_major frozen
                  param %dw.weight : int8[1,3,3,4] depthwise qc(axis=3,n=4) frozen
                  param %dw.bias : int32[4] row_major frozen
                  param %pw.weight : int8[4,1,1,4] ohwi qc(axis=0,n=4) frozen
                  param %pw.bias : int32[4] row_major frozen
                  param %head.weight : float32[3,4] row_major trainable
                  param %head.bias : float32[3] row_major trainable
                  %c1 = conv2d(%input, %c1.weight, %c1.bias) {stride=1, pad=[1,1,1,1], groups=1, out=q(0.02,-128)} : int8[1,6,6,4] nhwc q(0.02,-128)
                  %dw = conv2d(%c1, %dw.weight, %dw.bias) {stride=1, pad=[1,1,1,1], groups=4, out=q(0.03,-128)} : int8[1,6,6,4] nhwc q(0.03,-128)
                  %pw = conv2d(%dw, %pw.weight, %pw.bias) {stride=1, pad=[0,0,0,0], groups=1, out=q(0.05,3)} : int8[1,6,6,4] nhwc q(0.05,3)
                  %add = add_q(%c1, %pw) {out=q(0.04,-2)} : int8[1,6,6,4] nhwc q(0.04,-2)
                  %pool = global_avg_pool(%add) : int8[1,1,1,4] nhwc q(0.04,-2)
                  %flatten = reshape(%pool) {shape=[1,4], layout=row_major} : int8[1,4] row_major q(0.04,-2)
                  %feature = dequantize(%flatten) : float32[1,4] row_major
                  %logits = linear(%feature, %head.weight, %head.bias) : float32[1,3] row_major
                  %loss, %logits.grad = softmax_cross_entropy(%logits, %label) : float32[1] row_major, float32[1,3] row_major
                  %head.weight.grad = linear_grad_weight(%logits.grad, %feature) : float32[3,4] row_major
                  %head.bias.grad = reshape(%logits.grad) {shape=[3], layout=row_major} : float32[3] row_major
                  sgd_update[update:head.weight](%head.weight, %head.weight.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  sgd_update[update:head.bias](%head.bias, %head.bias.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  return %loss, %logits
                }
                """, pruned(Presets.get("head-only")));
    }

    /**
     * The last bias and two input channels of the pointwise weight: the weight gradient reads a slice of its
     * input placed right after the input's definition; only pw and the add keep their masks; nothing below pw.
     */
    @Test
    void partialPointwiseReadsASliceOfItsInput() {
        assertEquals("""
                graph "tiny" {
                  input %input : int8[1,6,6,3] nhwc q(0.00784313725490196,0)
                  input %label : int32[1] row_major
                  param %c1.weight : int8[4,3,3,3] ohwi qc(axis=0,n=4) frozen
                  param %c1.bias : int32[4] row_major frozen
                  param %dw.weight : int8[1,3,3,4] depthwise qc(axis=3,n=4) frozen
                  param %dw.bias : int32[4] row_major frozen
                  param %pw.weight : int8[4,1,1,4] ohwi qc(axis=0,n=4) trainable channels=[1, 3]
                  param %pw.bias : int32[4] row_major trainable
                  param %head.weight : float32[3,4] row_major trainable
                  param %head.bias : float32[3] row_major trainable
                  %c1 = conv2d(%input, %c1.weight, %c1.bias) {stride=1, pad=[1,1,1,1], groups=1, out=q(0.02,-128)} : int8[1,6,6,4] nhwc q(0.02,-128)
                  %dw = conv2d(%c1, %dw.weight, %dw.bias) {stride=1, pad=[1,1,1,1], groups=4, out=q(0.03,-128)} : int8[1,6,6,4] nhwc q(0.03,-128)
                  %dw.slice.pw = channel_slice(%dw) {channels=[1,3]} : int8[1,6,6,2] nhwc q(0.03,-128)
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
                  %pw.grad = add_grad(%add.grad, %add.mask) {operand=1, sy=0.04, sx=0.05} : float32[1,6,6,4] nhwc
                  %pw.gacc = conv_grad_output(%pw.grad, %pw.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  %pw.bias.grad = conv_grad_bias(%pw.gacc) : float32[4] row_major
                  %pw.weight.grad = conv_grad_weight(%dw.slice.pw, %pw.gacc, %pw.weight) {stride=1, pad=[0,0,0,0], groups=1, channels=[1,3]} : float32[4,1,1,2] ohwi
                  sgd_update[update:pw.weight](%pw.weight, %pw.weight.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even, channels=[1,3]}
                  sgd_update[update:pw.bias](%pw.bias, %pw.bias.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:head.weight](%head.weight, %head.weight.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  sgd_update[update:head.bias](%head.bias, %head.bias.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  return %loss, %logits
                }
                """, pruned(SparseUpdatePolicy.builder().biasWindow(1)
                .weight(2, ChannelSelection.explicit(List.of(3, 1))).build()));
    }

    /**
     * Half the depthwise channels (first k): its weight gradient computes 2 channels from the whole input;
     * backprop reaches dw but not c1 (no c1 mask, no shortcut gradient).
     */
    @Test
    void partialDepthwiseComputesOnlyItsChannels() {
        assertEquals("""
                graph "tiny" {
                  input %input : int8[1,6,6,3] nhwc q(0.00784313725490196,0)
                  input %label : int32[1] row_major
                  param %c1.weight : int8[4,3,3,3] ohwi qc(axis=0,n=4) frozen
                  param %c1.bias : int32[4] row_major frozen
                  param %dw.weight : int8[1,3,3,4] depthwise qc(axis=3,n=4) trainable channels=[0, 1]
                  param %dw.bias : int32[4] row_major trainable
                  param %pw.weight : int8[4,1,1,4] ohwi qc(axis=0,n=4) frozen
                  param %pw.bias : int32[4] row_major trainable
                  param %head.weight : float32[3,4] row_major trainable
                  param %head.bias : float32[3] row_major trainable
                  %c1 = conv2d(%input, %c1.weight, %c1.bias) {stride=1, pad=[1,1,1,1], groups=1, out=q(0.02,-128)} : int8[1,6,6,4] nhwc q(0.02,-128)
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
                  %pw.grad = add_grad(%add.grad, %add.mask) {operand=1, sy=0.04, sx=0.05} : float32[1,6,6,4] nhwc
                  %pw.gacc = conv_grad_output(%pw.grad, %pw.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  %pw.bias.grad = conv_grad_bias(%pw.gacc) : float32[4] row_major
                  %dw.grad = conv_grad_input(%pw.gacc, %pw.weight) {stride=1, pad=[0,0,0,0], groups=1, in=[6,6,4]} : float32[1,6,6,4] nhwc
                  %dw.gacc = conv_grad_output(%dw.grad, %dw.mask) {eff=[4 scales]} : float32[1,6,6,4] nhwc
                  %dw.bias.grad = conv_grad_bias(%dw.gacc) : float32[4] row_major
                  %dw.weight.grad = conv_grad_weight(%c1, %dw.gacc, %dw.weight) {stride=1, pad=[1,1,1,1], groups=4, channels=[0,1]} : float32[2,3,3] row_major
                  sgd_update[update:dw.weight](%dw.weight, %dw.weight.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even, channels=[0,1]}
                  sgd_update[update:dw.bias](%dw.bias, %dw.bias.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:pw.bias](%pw.bias, %pw.bias.grad) {lr=0.01, qas=[4 divisors], rounding=nearest_even}
                  sgd_update[update:head.weight](%head.weight, %head.weight.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  sgd_update[update:head.bias](%head.bias, %head.bias.grad) {lr=0.01, qas=none, rounding=nearest_even}
                  return %loss, %logits
                }
                """, pruned(SparseUpdatePolicy.builder().biasWindow(2)
                .weight(1, ChannelSelection.ratio(0.5, Rule.FIRST_K)).build()));
    }

    /** A partial first conv slices the graph input, before every node. */
    @Test
    void aSlicedGraphInputIsSlicedFirst() {
        TrainingGraph t = Pruner.prune(full(), SparseUpdatePolicy.builder().allBiases()
                .weight(0, ChannelSelection.explicit(List.of(2))).build(), ORDER);
        assertEquals("%input.slice.c1 = channel_slice(%input) {channels=[2]} : int8[1,6,6,1] nhwc"
                + " q(0.00784313725490196,0)", IrPrinter.node(t.graph().nodes().get(0)));
        Node grad = t.graph().producer(t.gradient("c1.weight")).orElseThrow();
        assertEquals("%c1.weight.grad = conv_grad_weight(%input.slice.c1, %c1.gacc, %c1.weight) {stride=1,"
                + " pad=[1,1,1,1], groups=1, channels=[2]} : float32[4,3,3,1] ohwi", IrPrinter.node(grad));
    }

    /** Training everything keeps every node; only the parameters' trainability changes. */
    @Test
    void allKeepsTheWholeStep() {
        String before = IrPrinter.print(full().graph());
        assertEquals(before.replace(" frozen\n", " trainable\n"), pruned(Presets.get("all")));
    }

    @Test
    void updatesAreRenumberedAmongTheTrainedParametersAndTheGradientMapShrinks() {
        TrainingGraph t = Pruner.prune(full(), SparseUpdatePolicy.builder().biasWindow(2)
                .weight(1, ChannelSelection.ratio(0.5, Rule.FIRST_K)).build(), ORDER);
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Node n : t.graph().nodes()) {
            if (n.op() instanceof SgdUpdate u) {
                ids.put(n.inputs().get(0).name(), u.paramId());
            }
        }
        assertEquals(Map.of("dw.weight", 0, "dw.bias", 1, "pw.bias", 2, "head.weight", 3, "head.bias", 4), ids);
        assertEquals(List.of("dw.weight", "dw.bias", "pw.bias", "head.weight", "head.bias"),
                List.copyOf(t.gradients().keySet()));
        assertEquals("dw.weight.grad", t.gradients().get("dw.weight"));
        assertEquals("label", t.label());
        assertEquals("loss", t.loss());
        assertEquals("logits", t.logits());
    }

    // ---- errors

    private static Map<String, Trainability> allFrozenButHead() {
        Map<String, Trainability> m = new LinkedHashMap<>();
        full().graph().parameters().forEach(p -> m.put(p.name(), Trainability.FROZEN));
        m.put("head.weight", Trainability.ALL);
        m.put("head.bias", Trainability.ALL);
        return m;
    }

    private static String error(Map<String, Trainability> t) {
        return assertThrows(PolicyException.class, () -> Pruner.prune(full(), t)).getMessage();
    }

    @Test
    void everyParameterNeedsATrainability() {
        Map<String, Trainability> t = allFrozenButHead();
        t.remove("dw.bias");
        assertEquals("no trainability given for parameter 'dw.bias'", error(t));
        Map<String, Trainability> extra = allFrozenButHead();
        extra.put("blocks[0].depthwise.params.bias", Trainability.ALL);
        assertEquals("trainability given for 'blocks[0].depthwise.params.bias', which is not a parameter of graph"
                + " 'tiny'", error(extra));
    }

    @Test
    void channelsOnlyForConvWeightsAndInRange() {
        Map<String, Trainability> t = allFrozenButHead();
        t.put("pw.bias", Trainability.channels(List.of(1)));
        assertEquals("parameter 'pw.bias' is not a conv weight with a conv_grad_weight gradient; only conv weights"
                + " can train a subset of channels [1]", error(t));
        Map<String, Trainability> range = allFrozenButHead();
        range.put("pw.weight", Trainability.channels(List.of(0, 4)));
        assertEquals("parameter 'pw.weight': trainable channel 4 is out of range (4 channels)", error(range));
    }

    @Test
    void aTrainedParameterNeedsAGradient() {
        TrainingGraph f = full();
        Map<String, String> grads = new HashMap<>(f.gradients());
        grads.remove("pw.weight");
        TrainingGraph missing = f.with(f.graph(), grads);
        Map<String, Trainability> t = allFrozenButHead();
        t.put("pw.weight", Trainability.ALL);
        assertEquals("parameter 'pw.weight' is trained but the training graph has no gradient for it (its layer does"
                + " not reach the loss, or the gradient stops before it at a layer autodiff cannot differentiate: a"
                + " tfl.conv2d with unequal strides or padding other than SAME or VALID)", assertThrows(PolicyException.class, () -> Pruner.prune(missing, t)).getMessage());
    }

    @Test
    void thePolicyIsResolvedOnTheStepsGraph() {
        PolicyException e = assertThrows(PolicyException.class, () -> Pruner.prune(full(),
                SparseUpdatePolicy.builder().biasWindow(1).weight(1).build(), ORDER));
        assertTrue(e.getMessage().startsWith("weights[0]: the weight of conv 1 (dw) is outside the bias window"),
                e.getMessage());
        assertEquals(OpKind.SGD_UPDATE, full().graph().nodes().get(full().graph().nodes().size() - 1).op().kind());
    }
}
