package dev.tinytrain.lowering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.lowering.KernelArg.Arena;
import dev.tinytrain.lowering.KernelArg.FloatConst;
import dev.tinytrain.lowering.KernelArg.IntConst;
import dev.tinytrain.lowering.KernelArg.NoTensor;
import dev.tinytrain.lowering.KernelArg.Offset;
import dev.tinytrain.lowering.KernelArg.Parameter;
import dev.tinytrain.lowering.KernelArg.Storage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class NodeLoweringTest {

    /** Every kind is lowered here or emitted by each backend's specialised emitter, never both, never neither. */
    @ParameterizedTest
    @EnumSource(OpKind.class)
    void everyKindIsLoweredOrSpecialised(OpKind kind) {
        boolean lowered = NodeLowering.loweredKinds().contains(kind);
        boolean specialised = NodeLowering.SPECIALISED.contains(kind);
        assertNotEquals(lowered, specialised, kind.irName() + (lowered ? " is both lowered and specialised"
                : " has neither a lowering nor a specialised emitter"));
    }

    private static LoweringContext context(Graph g, boolean samePlace) {
        return new LoweringContext() {
            @Override
            public Graph graph() {
                return g;
            }

            @Override
            public boolean samePlace(Value a, Value b) {
                return samePlace;
            }

            @Override
            public boolean read(Value v) {
                return true;
            }
        };
    }

    private static Node node(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void everyLoweredNodeOfATinyModelFitsItsKernelsSignature() {
        Graph g = TinyGraphs.withHead();
        int lowered = 0;
        for (Node n : g.nodes()) {
            if (NodeLowering.SPECIALISED.contains(n.op().kind())) {
                assertThrows(IllegalArgumentException.class, () -> NodeLowering.lower(n, context(g, false)));
                continue;
            }
            // KernelCall's constructor checks the arguments against the signature
            assertTrue(NodeLowering.lower(n, context(g, false)).isPresent(), n.name());
            lowered++;
        }
        assertEquals(8, lowered, "c1, dw, pw, add, pool, flatten, feature, logits");
    }

    @Test
    void theConvArgumentPositionsNameTheirKindsInTheSignature() {
        List<ArgKind> s = Kernel.CONV2D.signature();
        assertEquals(21, s.size());
        for (int i : new int[] {ConvArgs.IN_OFF, ConvArgs.OUT_OFF}) {
            assertEquals(ArgKind.OFFSET, s.get(i));
        }
        for (int i : new int[] {ConvArgs.IN_H, ConvArgs.IN_W, ConvArgs.IN_C, ConvArgs.X_ZERO, ConvArgs.K_H,
                ConvArgs.K_W, ConvArgs.STRIDE, ConvArgs.PAD_TOP, ConvArgs.PAD_LEFT, ConvArgs.GROUPS, ConvArgs.Y_ZERO,
                ConvArgs.OUT_H, ConvArgs.OUT_W, ConvArgs.OUT_C}) {
            assertEquals(ArgKind.INT, s.get(i), "argument " + i);
        }
        assertEquals(ArgKind.INT8_WEIGHT, s.get(ConvArgs.WEIGHT));
        assertEquals(ArgKind.CONV_BIAS, s.get(ConvArgs.BIAS));
        assertEquals(ArgKind.FLOAT_TABLE, s.get(ConvArgs.EFF));
        assertEquals(ArgKind.OPTIONAL_OFFSET, s.get(ConvArgs.MASK));
    }

    @Test
    void aConvCarriesItsGeometryZeroPointsScalesAndParameters() {
        Graph g = TinyGraphs.withHead();
        Node dw = node(g, "dw");
        Conv2d op = (Conv2d) dw.op();
        Value x = dw.inputs().get(0);
        List<KernelArg> a = NodeLowering.lower(dw, context(g, false)).orElseThrow().args();
        assertEquals(List.of(new IntConst(6), new IntConst(6), new IntConst(4),
                new IntConst(x.type().requireQuantization("c1").zeroPoint())), a.subList(2, 6), "input h, w, c, zero");
        assertEquals(new Parameter(dw.inputs().get(1), Storage.INT8_WEIGHT), a.get(6));
        assertEquals(List.of(new IntConst(3), new IntConst(3), new IntConst(1), new IntConst(op.padTop()),
                new IntConst(op.padLeft()), new IntConst(4)), a.subList(7, 13), "window, stride, padding, groups");
        assertEquals(new Parameter(dw.inputs().get(2), Storage.CONV_BIAS), a.get(13));
        assertEquals(new KernelArg.FloatTable(op.effectiveScales(x, dw.inputs().get(1))), a.get(14));
        assertEquals(List.of(new IntConst(-128), new Offset(dw.output()), new IntConst(6), new IntConst(6),
                new IntConst(4)), a.subList(15, 20), "output zero, offset, h, w, c");
        assertEquals(dw.outputs().size() > 1 ? new Offset(dw.outputs().get(1)) : NoTensor.INSTANCE, a.get(20),
                "the mask when the program reads it");
        assertEquals(NodeLowering.conv(x, op, dw.inputs().get(1), dw.inputs().get(2), dw.output()).args()
                .subList(0, 20), a.subList(0, 20), "a band region's layer gets the node's call without its mask");
    }

    @Test
    void dequantizeCarriesItsConstantsAndSymbolicOffsets() {
        Graph g = TinyGraphs.withHead();
        Node n = node(g, "feature");
        KernelCall call = NodeLowering.lower(n, context(g, false)).orElseThrow();
        var q = n.inputs().get(0).type().requireQuantization("flat");
        assertEquals(KernelCall.of(Kernel.DEQUANTIZE, Arena.INSTANCE, new Offset(n.inputs().get(0)),
                new IntConst(4), new IntConst(q.zeroPoint()), new FloatConst((float) q.scale()),
                new Offset(n.output())), call);
    }

    @Test
    void theForwardAddHasNoMaskAndTheHeadReadsItsFloatParameters() {
        Graph g = TinyGraphs.withHead();
        List<KernelArg> add = NodeLowering.lower(node(g, "add"), context(g, false)).orElseThrow().args();
        assertEquals(NoTensor.INSTANCE, add.get(add.size() - 1), "an inference-only add keeps no clamp mask");
        Node logits = node(g, "logits");
        List<KernelArg> head = NodeLowering.lower(logits, context(g, false)).orElseThrow().args();
        assertEquals(new Parameter(logits.inputs().get(1), Storage.FLOAT32), head.get(3));
        assertEquals(new Parameter(logits.inputs().get(2), Storage.FLOAT32), head.get(4));
    }

    @Test
    void aReshapeInPlaceMovesNoData() {
        Graph g = TinyGraphs.withHead();
        Node flatten = node(g, "flatten");
        assertEquals(Optional.empty(), NodeLowering.lower(flatten, context(g, true)));
        KernelCall copy = NodeLowering.lower(flatten, context(g, false)).orElseThrow();
        assertEquals(Kernel.MOVE_BYTES, copy.kernel());
        assertEquals(new KernelArg.ByteCount(4), copy.args().get(4));
    }

    @Test
    void aCallWhoseArgumentsDoNotFitTheSignatureIsRejected() {
        Value v = TinyGraphs.withHead().inputs().get(0);
        assertThrows(IllegalArgumentException.class, () -> KernelCall.of(Kernel.DEQUANTIZE, Arena.INSTANCE,
                new Offset(v), new IntConst(1), new IntConst(0), new Offset(v)), "too few");
        assertThrows(IllegalArgumentException.class, () -> KernelCall.of(Kernel.DEQUANTIZE, Arena.INSTANCE,
                new Offset(v), new IntConst(1), new IntConst(0), new IntConst(1), new Offset(v)), "int for float");
        assertThrows(IllegalArgumentException.class, () -> KernelCall.of(Kernel.DEQUANTIZE, Arena.INSTANCE,
                new Offset(v), new IntConst(1), new IntConst(0), new FloatConst(1), NoTensor.INSTANCE),
                "-1 where a tensor is required");
        assertThrows(IllegalArgumentException.class, () -> KernelCall.of(Kernel.LINEAR, Arena.INSTANCE,
                new Offset(v), new IntConst(1), KernelArg.Absent.INSTANCE, KernelArg.Absent.INSTANCE,
                new IntConst(1), new Offset(v)), "absent where a parameter is required");
    }

    @Test
    void tablesAreCopiedAndCompareByContent() {
        float[] eff = {0.5f, 0.25f};
        KernelArg.FloatTable t = new KernelArg.FloatTable(eff);
        eff[0] = 1;
        assertEquals(new KernelArg.FloatTable(new float[] {0.5f, 0.25f}), t);
        t.values()[1] = 7;
        assertEquals(0.25f, t.values()[1]);
    }
}
