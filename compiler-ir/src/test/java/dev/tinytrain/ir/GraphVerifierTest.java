package dev.tinytrain.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.QuantizedAdd;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Building or verifying a bad graph throws a typed exception naming the op, the value and the rule. */
class GraphVerifierTest {
    private static final Quantization Q = Quantization.perTensor(0.1, 0);

    @Test
    void shapeMismatchNamesOpAndOperand() {
        GraphBuilder b = new GraphBuilder("bad");
        Value a = b.input("a", TensorType.quantized(DType.INT8, Shape.of(1, 4, 4, 3), Layout.NHWC, Q));
        Value c = b.input("c", TensorType.quantized(DType.INT8, Shape.of(1, 4, 4, 5), Layout.NHWC, Q));
        IrVerificationException e = assertThrows(IrVerificationException.class,
                () -> b.add("sum", new QuantizedAdd(Q), a, c));
        assertEquals("sum", e.node());
        assertEquals("shape", e.rule());
        assertTrue(e.getMessage().contains("%a") && e.getMessage().contains("%c"), e.getMessage());
    }

    @Test
    void dtypeMismatchNamesTheOperandRole() {
        GraphBuilder b = new GraphBuilder("bad");
        Value x = b.input("x", TensorType.quantized(DType.INT8, Shape.of(1, 4, 4, 3), Layout.NHWC, Q));
        Value w = b.parameter("w", TensorType.quantized(DType.INT8, Shape.of(2, 1, 1, 3), Layout.OHWI,
                Quantization.perChannel(new float[] {1, 1}, 0)), TensorData.ofInt8(new byte[6]));
        Value bias = b.parameter("bias", TensorType.of(DType.FLOAT32, Shape.of(2), Layout.ROW_MAJOR),
                TensorData.ofFloat32(new float[2]));
        IrVerificationException e = assertThrows(IrVerificationException.class,
                () -> b.add("conv", Conv2d.samePadding(1, 1, 1, Q), x, w, bias));
        assertEquals("dtype", e.rule());
        assertTrue(e.getMessage().contains("bias %bias must be int32"), e.getMessage());
    }

    @Test
    void weightChannelMismatchIsAShapeError() {
        GraphBuilder b = new GraphBuilder("bad");
        Value x = b.input("x", TensorType.quantized(DType.INT8, Shape.of(1, 4, 4, 3), Layout.NHWC, Q));
        Value w = b.parameter("w", TensorType.quantized(DType.INT8, Shape.of(2, 1, 1, 4), Layout.OHWI,
                Quantization.perChannel(new float[] {1, 1}, 0)), TensorData.ofInt8(new byte[8]));
        Value bias = b.parameter("bias", TensorType.of(DType.INT32, Shape.of(2), Layout.ROW_MAJOR),
                TensorData.ofInt32(new int[2]));
        IrVerificationException e = assertThrows(IrVerificationException.class,
                () -> b.add("conv", Conv2d.samePadding(1, 1, 1, Q), x, w, bias));
        assertEquals("shape", e.rule());
    }

    @Test
    void invalidQuantizationIsTyped() {
        assertThrows(InvalidQuantizationException.class, () -> Quantization.perTensor(0, 0));
        assertThrows(InvalidQuantizationException.class, () -> Quantization.perTensor(Double.NaN, 0));
        assertThrows(InvalidQuantizationException.class, () -> Quantization.perTensor(-1, 0));
        assertThrows(InvalidQuantizationException.class, () -> Quantization.perTensor(0.1, 128));
        assertThrows(InvalidQuantizationException.class, () -> Quantization.perTensor(0.1, -129));
    }

    @Test
    void useBeforeDefinitionIsAnSsaError() {
        Graph ok = TinyGraphs.block();
        List<Node> reversed = new java.util.ArrayList<>(ok.nodes());
        java.util.Collections.reverse(reversed);
        IrVerificationException e = assertThrows(IrVerificationException.class,
                () -> new Graph("bad", ok.inputs(), ok.parameters(), reversed, ok.outputs()));
        assertEquals("ssa", e.rule());
        assertEquals("pool", e.node());
    }

    @Test
    void valueDefinedTwiceIsAnSsaError() {
        Graph ok = TinyGraphs.block();
        List<Node> twice = new java.util.ArrayList<>(ok.nodes());
        Node first = twice.get(0);
        twice.add(1, new Node("again", first.op(), first.inputs(), first.outputs()));
        IrVerificationException e = assertThrows(IrVerificationException.class,
                () -> new Graph("bad", ok.inputs(), ok.parameters(), twice, ok.outputs()));
        assertEquals("ssa", e.rule());
        assertTrue(e.getMessage().contains("defined twice"));
    }

    @Test
    void parameterDataMustMatchItsType() {
        assertThrows(IrVerificationException.class, () -> new Parameter(new Value("p",
                TensorType.of(DType.INT32, Shape.of(3), Layout.ROW_MAJOR)), TensorData.ofInt32(new int[2]),
                Trainability.FROZEN));
    }
}
