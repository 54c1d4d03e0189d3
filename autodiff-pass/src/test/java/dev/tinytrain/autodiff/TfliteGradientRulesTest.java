package dev.tinytrain.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.ir.ops.TfliteAdd;
import dev.tinytrain.ir.ops.TfliteConcat;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.ops.TfliteMean;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.ir.ops.TflitePool;
import dev.tinytrain.ir.ops.TfliteRelu;
import dev.tinytrain.ir.text.IrPrinter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gradient rules of the imported TFLite ops, on a small graph that uses each of them: which backward ops they
 * emit and with which constants (the kernels behind those ops are checked against finite differences in
 * backend-jvm-ref's {@code TfliteBackwardKernelsTest} and {@code BackwardKernelsGradientCheckTest}).
 */
class TfliteGradientRulesTest {
    private static final Quantization QX = Quantization.perTensor(0.02, -3);
    private static final Quantization QY = Quantization.perTensor(0.05, -128);

    /**
     * input -> pad -> conv 3x3 (ReLU6 clamp) -> max pool, and -> average pool; concat -> ReLU -> add (with the concat)
     * -> mean (new scale) -> head.
     */
    static Graph graph() {
        GraphBuilder b = new GraphBuilder("tfl");
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 6, 6, 2), Layout.NHWC, QX));
        Value padded = b.add("pad", new TflitePad(1, 1, 1, 1), x);
        byte[] w = new byte[4 * 3 * 3 * 2];
        Arrays.fill(w, (byte) 3);
        Value wv = b.parameter("conv.weight", TensorType.quantized(DType.INT8, Shape.of(4, 3, 3, 2), Layout.OHWI,
                Quantization.perChannel(new float[] {0.01f, 0.02f, 0.03f, 0.04f}, 0)), TensorData.ofInt8(w));
        Value bv = b.parameter("conv.bias", TensorType.of(DType.INT32, Shape.of(4), Layout.ROW_MAJOR),
                TensorData.ofInt32(new int[] {1, 2, 3, 4}));
        Value conv = b.add("conv", new TfliteConv2d(1, 1, 0, 0, 0, 0, 1, QY, -128, 0, false), padded, wv, bv);
        Value max = b.add("max", new TflitePool(true, 2, 2, 2, 2, 0, 0, 0, 0, -128, 127), conv);
        Value avg = b.add("avg", new TflitePool(false, 2, 2, 2, 2, 0, 0, 0, 0, -128, 127), conv);
        Value cat = b.add("cat", new TfliteConcat(3), max, avg);
        Value relu = b.add("relu", new TfliteRelu(Quantization.perTensor(0.04, -128)), cat);
        Value sum = b.add("sum", new TfliteAdd(Quantization.perTensor(0.1, 0), -128, 127), relu, cat);
        Value mean = b.add("mean", new TfliteMean(Quantization.perTensor(0.08, 1)), sum);
        Value feature = b.add("feature", new Dequantize(), mean);
        Value hw = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(3, 8), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[24]));
        Value hb = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(3), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[3]));
        return b.output(b.add("logits", new Linear(), feature, hw, hb)).build();
    }

    @Test
    void everyImportedOpPassesTheGradientToItsOperands() {
        TrainingGraph tg = Autodiff.differentiate(graph(), TrainingOptions.of(0.01f, "stochastic"));
        String ir = IrPrinter.print(tg.graph());
        for (String line : List.of(
                // mean: rescaled by fl32(0.1 / 0.08), then spread over the 3x3 positions
                "%mean.grad = dequantize_grad(%feature.grad) {scale=0.08}",
                "%mean.grad.rescaled = dequantize_grad(%mean.grad) {scale=1.25}",
                "%sum.grad = avg_pool_grad(%mean.grad.rescaled) {h=3, w=3}",
                // add and ReLU: the clamp mask and the scale ratio of each operand
                "%relu.grad = add_grad(%sum.grad, %sum.mask) {operand=0, sy=0.1, sx=0.04}",
                "%cat.grad.0 = add_grad(%sum.grad, %sum.mask) {operand=1, sy=0.1, sx=0.05}",
                "%cat.grad.1 = add_grad(%relu.grad, %relu.mask) {operand=0, sy=0.04, sx=0.05}",
                "%cat.grad = accumulate(%cat.grad.0, %cat.grad.1)",
                // concatenation: each operand its channels
                "%max.grad = tfl.concat_grad(%cat.grad) {axis=3, range=[0,4]}",
                "%avg.grad = tfl.concat_grad(%cat.grad) {axis=3, range=[4,4]}",
                // pools: from the saved input
                "%conv.grad.0 = tfl.pool_grad(%avg.grad, %conv) {mode=0",
                "%conv.grad.1 = tfl.pool_grad(%max.grad, %conv) {mode=1",
                // conv: the shared conv backward with the clamp mask of its fused ReLU6 range
                "%conv.gacc = conv_grad_output(%conv.grad, %conv.mask) {eff=[4 scales]}",
                "%conv.bias.grad = conv_grad_bias(%conv.gacc)",
                "%conv.weight.grad = conv_grad_weight(%pad, %conv.gacc, %conv.weight) {stride=1, pad=[0,0,0,0], groups=1}",
                "%pad.grad = conv_grad_input(%conv.gacc, %conv.weight) {stride=1, pad=[0,0,0,0], groups=1, in=[8,8,2]}",
                "%conv, %conv.mask = tfl.conv2d(%pad, %conv.weight, %conv.bias)",
                "update:conv.weight")) {
            assertTrue(ir.contains(line), "missing: " + line + "\n" + ir);
        }
        // the model input takes no gradient, so the pad in front of it passes none on
        assertTrue(!ir.contains("tfl.pad_grad"), ir);
        assertEquals(List.of("conv.weight", "conv.bias", "head.weight", "head.bias"),
                List.copyOf(tg.gradients().keySet()));
    }

    @Test
    void aPadBetweenTrainedLayersCropsTheGradient() {
        GraphBuilder b = new GraphBuilder("pads");
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 4, 4, 1), Layout.NHWC, QX));
        Value r = b.add("relu", new TfliteRelu(QX), x);
        Value p = b.add("pad", new TflitePad(0, 1, 2, 0), r);
        Value flat = b.add("flat", new Reshape(Shape.of(1, 30), Layout.ROW_MAJOR), p);
        Value feature = b.add("feature", new Dequantize(), flat);
        Value hw = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(2, 30), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[60]));
        Value hb = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(2), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[2]));
        Graph g = b.output(b.add("logits", new Linear(), feature, hw, hb)).build();
        String ir = IrPrinter.print(Autodiff.differentiate(g, TrainingOptions.of(0.01f, "stochastic")).graph());
        assertTrue(ir.contains("%relu.grad = tfl.pad_grad(%pad.grad) {pad=[0,2,1,0]} : float32[1,4,4,1] nhwc"), ir);
    }

    @Test
    void aSoftmaxInsideTheBackboneIsNotDifferentiable() {
        GraphBuilder b = new GraphBuilder("softmax");
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 4), Layout.ROW_MAJOR, QX));
        Value s = b.add("softmax", new dev.tinytrain.ir.ops.TfliteSoftmax(1f, Quantization.perTensor(1.0 / 256,
                -128)), x);
        Value feature = b.add("feature", new Dequantize(), s);
        Value hw = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(2, 4), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[8]));
        Value hb = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(2), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[2]));
        Graph g = b.output(b.add("logits", new Linear(), feature, hw, hb)).build();
        IrVerificationException e = org.junit.jupiter.api.Assertions.assertThrows(IrVerificationException.class,
                () -> Autodiff.differentiate(g, TrainingOptions.of(0.01f, "stochastic")));
        assertTrue(e.getMessage().contains("tfl.softmax is not differentiable"), e.getMessage());
    }
}
