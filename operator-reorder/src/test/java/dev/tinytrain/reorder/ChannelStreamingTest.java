package dev.tinytrain.reorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.Autodiff;
import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.StreamedBackward;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.ir.text.IrPrinter;
import org.junit.jupiter.api.Test;

/** The channel-streamed backward pass on a small inverted-residual block: the printed region and what it replaces. */
class ChannelStreamingTest {

    /** input 6x6x3 -> c1 3x3 (4) -> expansion 1x1 (8) -> depthwise 3x3 stride 2 -> projection 1x1 (4) -> pool -> head. */
    static Graph invertedResidual() {
        GraphBuilder b = new GraphBuilder("ir");
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 6, 6, 3), Layout.NHWC,
                Quantization.perTensor(2.0 / 255, 0)));
        Value c1 = TinyGraphs.conv(b, "c1", x, 4, 3, 1, 1, Quantization.perTensor(0.02, -128));
        Value e = TinyGraphs.conv(b, "exp", c1, 8, 1, 1, 1, Quantization.perTensor(0.03, -128));
        Value dw = TinyGraphs.conv(b, "dw", e, 8, 3, 2, 8, Quantization.perTensor(0.03, -128));
        Value pw = TinyGraphs.conv(b, "pw", dw, 4, 1, 1, 1, Quantization.perTensor(0.05, 3));
        Value pool = b.add("pool", new GlobalAvgPool(), pw);
        Value flat = b.add("flatten", new Reshape(Shape.of(1, 4), Layout.ROW_MAJOR), pool);
        Value feat = b.add("feature", new Dequantize(), flat);
        Value hw = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(3, 4), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[12]));
        Value hb = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(3), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[3]));
        return b.output(b.add("logits", new Linear(), feat, hw, hb)).build();
    }

    private static TrainingGraph scheduled() {
        return OperatorReorder.run(Autodiff.differentiate(invertedResidual(), TrainingOptions.of(0.01f, "stochastic")));
    }

    @Test
    void theBlocksBackwardBecomesOneRegion() {
        TrainingGraph before = scheduled();
        TrainingGraph after = ChannelStreaming.run(before);
        String printed = IrPrinter.print(after.graph());
        String region = printed.lines().filter(l -> l.contains("streamed_backward")).findFirst().orElseThrow().trim();
        // the scratch of a group of four channels: four 3x3 depthwise-output planes, four 6x6 input planes, a vector
        // of max(4*4, 3*3, 4*4) floats
        assertEquals("%dw.streamed.plane, %dw.streamed.plane_in, %dw.streamed.vector, %c1.grad = "
                + "streamed_backward[dw.streamed](%pw.gacc, %pw.weight, %dw.mask, %dw.weight, %dw.bias, %exp, "
                + "%exp.mask, %exp.weight, %exp.bias, %c1) {stride=2, pad=[1,1,1,1], in=[6,6], group=4, deep=true, "
                + "input_gradient=true, updates=[depthwise.bias,depthwise.weight,expansion.bias,expansion.weight]} : "
                + "float32[36] row_major, float32[144] row_major, float32[16] row_major, float32[1,6,6,4] nhwc",
                region);
        // the expanded gradients and the ops between are gone; the projection's own updates stay, after the region
        for (String gone : new String[] {"%dw.grad =", "%dw.gacc =", "%exp.grad =", "%exp.gacc =",
            "update:dw.weight](", "update:exp.bias]("}) {
            assertFalse(printed.contains(gone), gone);
        }
        assertTrue(printed.indexOf("streamed_backward") < printed.indexOf("update:pw.weight]"));
        OperatorReorder.checkNoReadAfterUpdate(after.graph().nodes());
        assertEquals(before.graph().nodes().size() - 8, after.graph().nodes().size()); // nine ops, one region
    }

    @Test
    void theStreamedStepSurvivesItsJsonForm() {
        Graph g = ChannelStreaming.run(scheduled()).graph();
        Graph back = IrJson.read(IrJson.write(g));
        assertEquals(IrPrinter.print(g), IrPrinter.print(back));
        // every attribute the backends read (the conv's output quantization is a placeholder in gradient ops' JSON)
        assertEquals(IrJson.write(g), IrJson.write(back));
        assertTrue(back.nodes().stream().anyMatch(n -> n.op() instanceof StreamedBackward s && s.group() == 4
                && s.depthwiseBias().isPresent() && s.expansionWeight().isPresent()));
    }

    @Test
    void aGraphWithoutAnExpansionToStreamIsLeftAsItIs() {
        // TinyGraphs' block has a 3x3 conv before its depthwise conv: no 1x1 expansion to accumulate into
        TrainingGraph s = OperatorReorder.run(Autodiff.differentiate(TinyGraphs.withHead(),
                TrainingOptions.of(0.01f, "stochastic")));
        assertSame(s, ChannelStreaming.run(s));
    }
}
