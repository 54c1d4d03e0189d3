package dev.tinytrain.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.SavedForBackward.PartialInput;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The op traits ({@link Op#traits}) of every kind. Each trait has an exhaustive switch over {@link OpKind} stating what every kind
 * answers, so a new kind does not compile here until its answers are written down, and each answer is checked
 * against the kind's record on a verified sample op (operand indices in range, in-place operands of the result's
 * size, masks that really appear, fused updates that verify).
 */
class OpTraitsTest {

    /** One op with operands it verifies against. */
    record Sample(Op op, List<Value> operands) {
        List<TensorType> results() {
            return op.inferTypes("sample", operands);
        }
    }

    private static final Quantization Q = Quantization.perTensor(0.1, 3);
    private static final Value X = new Value("x",
            TensorType.quantized(DType.INT8, Shape.of(1, 4, 4, 2), Layout.NHWC, Q));
    private static final Value X2 = new Value("x2", X.type());
    private static final Value W = new Value("w", TensorType.quantized(DType.INT8, Shape.of(3, 3, 3, 2), Layout.OHWI,
            Quantization.perChannel(new float[] {0.01f, 0.02f, 0.03f}, 0)));
    private static final Value B = new Value("b", TensorType.of(DType.INT32, Shape.of(3), Layout.ROW_MAJOR));
    private static final Value DW = new Value("dw", TensorType.quantized(DType.INT8, Shape.of(1, 3, 3, 2),
            Layout.DEPTHWISE, Quantization.perChannel(new float[] {0.01f, 0.02f}, 3)));
    private static final Value DB = new Value("db", TensorType.of(DType.INT32, Shape.of(2), Layout.ROW_MAJOR));
    private static final Value G = new Value("g", TensorType.of(DType.FLOAT32, Shape.of(1, 4, 4, 3), Layout.NHWC));
    private static final Value GX = new Value("gx", TensorType.of(DType.FLOAT32, Shape.of(1, 4, 4, 2), Layout.NHWC));
    private static final Value GX2 = new Value("gx2", GX.type());
    private static final Value MASK = new Value("m", TensorType.of(DType.BIT, Shape.of(1, 4, 4, 3), Layout.NHWC));
    private static final Value MASK_X = new Value("mx", TensorType.of(DType.BIT, Shape.of(1, 4, 4, 2), Layout.NHWC));
    private static final Value F = new Value("f", TensorType.of(DType.FLOAT32, Shape.of(1, 4), Layout.ROW_MAJOR));
    private static final Value HW = new Value("hw", TensorType.of(DType.FLOAT32, Shape.of(3, 4), Layout.ROW_MAJOR));
    private static final Value HB = new Value("hb", TensorType.of(DType.FLOAT32, Shape.of(3), Layout.ROW_MAJOR));
    private static final Value DY = new Value("dy", TensorType.of(DType.FLOAT32, Shape.of(1, 3), Layout.ROW_MAJOR));
    private static final Value LABEL = new Value("label", TensorType.of(DType.INT32, Shape.of(1), Layout.ROW_MAJOR));
    private static final Value WGRAD = new Value("wg", TensorType.of(DType.FLOAT32, Shape.of(3, 3, 3, 2),
            Layout.OHWI));

    private static final Conv2d CONV = Conv2d.samePadding(3, 1, 1, Quantization.perTensor(0.2, -128));
    private static final Conv2d DEPTHWISE = Conv2d.samePadding(3, 1, 2, Quantization.perTensor(0.2, -128));
    private static final Conv2d GROUPED = Conv2d.samePadding(3, 1, 2, Quantization.perTensor(0.2, -128));
    private static final SgdUpdate SGD = new SgdUpdate(0.5f, List.of(), "nearest_even", List.of(), 0);
    // a channel-streamed region with every part: 4x4x2 input, expanded to 2 channels, depthwise 3x3, projected to
    // 3 channels
    private static final Value EXPAND_W = new Value("ew", TensorType.quantized(DType.INT8, Shape.of(2, 1, 1, 2),
            Layout.OHWI, Quantization.perChannel(new float[] {0.01f, 0.02f}, 0)));
    private static final Value PROJECT_W = new Value("pw", TensorType.quantized(DType.INT8, Shape.of(3, 1, 1, 2),
            Layout.OHWI, Quantization.perChannel(new float[] {0.01f, 0.02f, 0.03f}, 0)));
    private static final Value EXPAND_B = new Value("eb", DB.type());
    private static final Value MASK_X2 = new Value("mx2", MASK_X.type());
    private static final StreamedBackward STREAMED = new StreamedBackward(DEPTHWISE, List.of(0.1f, 0.2f),
            Optional.of(SGD), Optional.of(SGD), List.of(0.3f, 0.4f), Optional.of(SGD), Optional.of(SGD), true, 4, 4, 2);

    /** A verified sample of every kind (dense conv for {@code conv2d}). */
    static Sample sample(OpKind kind) {
        return switch (kind) {
            case CONV2D -> new Sample(CONV, List.of(X, W, B));
            case QUANTIZED_ADD -> new Sample(new QuantizedAdd(Q), List.of(X, X2));
            case GLOBAL_AVG_POOL -> new Sample(new GlobalAvgPool(), List.of(X));
            case DEQUANTIZE -> new Sample(new Dequantize(), List.of(X));
            case LINEAR -> new Sample(new Linear(), List.of(F, HW, HB));
            case RESHAPE -> new Sample(new Reshape(Shape.of(1, 32), Layout.ROW_MAJOR), List.of(X));
            case SOFTMAX_CROSS_ENTROPY -> new Sample(new SoftmaxCrossEntropy(), List.of(DY, LABEL));
            case LINEAR_GRAD_INPUT -> new Sample(new LinearGradInput(), List.of(DY, HW));
            case LINEAR_GRAD_WEIGHT -> new Sample(new LinearGradWeight(), List.of(DY, F));
            case DEQUANTIZE_GRAD -> new Sample(new DequantizeGrad(0.1f), List.of(F));
            case AVG_POOL_GRAD -> new Sample(new AvgPoolGrad(4, 4), List.of(new Value("gp",
                    TensorType.of(DType.FLOAT32, Shape.of(1, 2), Layout.ROW_MAJOR))));
            case ADD_GRAD -> new Sample(new AddGrad(1, 0.2f, 0.1f), List.of(GX, MASK_X));
            case ACCUMULATE -> new Sample(new Accumulate(), List.of(GX, GX2));
            case CONV_GRAD_OUTPUT -> new Sample(new ConvGradOutput(List.of(0.1f, 0.2f, 0.3f)), List.of(G, MASK));
            case CONV_GRAD_INPUT -> new Sample(new ConvGradInput(CONV, 4, 4, 2), List.of(G, W));
            case CONV_GRAD_WEIGHT -> new Sample(new ConvGradWeight(CONV, List.of()), List.of(X, G, W));
            case CONV_GRAD_BIAS -> new Sample(new ConvGradBias(), List.of(G));
            case CHANNEL_SLICE -> new Sample(new ChannelSlice(List.of(1)), List.of(X));
            case SGD_UPDATE -> new Sample(SGD, List.of(W, WGRAD));
            case CONV_GRAD_WEIGHT_UPDATE -> new Sample(new ConvGradWeightUpdate(new ConvGradWeight(CONV, List.of()),
                    SGD), List.of(X, G, W));
            case CONV_GRAD_BIAS_UPDATE -> new Sample(new ConvGradBiasUpdate(SGD), List.of(G, B));
            case LINEAR_GRAD_WEIGHT_UPDATE -> new Sample(new LinearGradWeightUpdate(SGD), List.of(DY, F, HW));
            case STREAMED_BACKWARD -> new Sample(STREAMED, List.of(G, PROJECT_W, MASK_X, DW, DB, X, MASK_X2,
                    EXPAND_W, EXPAND_B, X2));
            case TFLITE_CONV2D -> new Sample(new TfliteConv2d(1, 1, 1, 1, 1, 1, 1, Q, -128, 127, false),
                    List.of(X, W, B));
            case TFLITE_ADD -> new Sample(new TfliteAdd(Q, -128, 127), List.of(X, X2));
            case TFLITE_PAD -> new Sample(new TflitePad(1, 0, 0, 1), List.of(X));
            case TFLITE_MEAN -> new Sample(new TfliteMean(Q), List.of(X));
            case TFLITE_POOL -> new Sample(new TflitePool(true, 2, 2, 2, 2, 0, 0, 0, 0, -128, 127), List.of(X));
            case TFLITE_CONCAT -> new Sample(new TfliteConcat(3), List.of(X, X2));
            case TFLITE_RELU -> new Sample(new TfliteRelu(Q), List.of(X));
            case TFLITE_SOFTMAX -> new Sample(new TfliteSoftmax(1f, Quantization.perTensor(1.0 / 256, -128)),
                    List.of(new Value("logits", TensorType.quantized(DType.INT8, Shape.of(1, 4), Layout.ROW_MAJOR, Q))));
            case TFLITE_QUANTIZE -> new Sample(new TfliteQuantize(Q), List.of(F));
            case BAND_REGION -> new Sample(new BandRegion(List.of(
                    new BandRegion.Layer("c", CONV, List.of(0), List.of(1, 2)),
                    new BandRegion.Layer("a", new QuantizedAdd(Q), List.of(1, 1), List.of())), 1), List.of(X, W, B));
            case TFLITE_PAD_GRAD -> new Sample(new TflitePadGrad(new TflitePad(1, 0, 0, 1)), List.of(GX));
            case TFLITE_POOL_GRAD -> new Sample(new TflitePoolGrad(new TflitePool(true, 2, 2, 2, 2, 0, 0, 0, 0, -128,
                    127)), List.of(new Value("gp", TensorType.of(DType.FLOAT32, Shape.of(1, 2, 2, 2), Layout.NHWC)),
                    X));
            case TFLITE_CONCAT_GRAD -> new Sample(new TfliteConcatGrad(3, 1, 1), List.of(GX));
        };
    }

    /** The operands each kind writes in place, none for most kinds. */
    static List<Integer> expectedParameterOperands(OpKind kind) {
        return switch (kind) {
            case SGD_UPDATE -> List.of(0);
            case CONV_GRAD_BIAS_UPDATE -> List.of(1);
            case CONV_GRAD_WEIGHT_UPDATE, LINEAR_GRAD_WEIGHT_UPDATE -> List.of(2);
            case STREAMED_BACKWARD -> List.of(4, 3, 8, 7); // depthwise bias, weight, expansion bias, weight
            case CONV2D, QUANTIZED_ADD, GLOBAL_AVG_POOL, DEQUANTIZE, LINEAR, RESHAPE, SOFTMAX_CROSS_ENTROPY,
                    LINEAR_GRAD_INPUT, LINEAR_GRAD_WEIGHT, DEQUANTIZE_GRAD, AVG_POOL_GRAD, ADD_GRAD, ACCUMULATE,
                    CONV_GRAD_OUTPUT, CONV_GRAD_INPUT, CONV_GRAD_WEIGHT, CONV_GRAD_BIAS, CHANNEL_SLICE,
                    TFLITE_CONV2D, TFLITE_ADD, TFLITE_PAD, TFLITE_MEAN, TFLITE_POOL, TFLITE_CONCAT, TFLITE_RELU,
                    TFLITE_SOFTMAX, TFLITE_QUANTIZE, TFLITE_PAD_GRAD, TFLITE_POOL_GRAD, TFLITE_CONCAT_GRAD,
                    BAND_REGION -> List.of();
        };
    }

    /** What each kind's sample keeps for its backward. */
    static SavedForBackward expectedSaved(OpKind kind) {
        return switch (kind) {
            case CONV2D -> new SavedForBackward(List.of(0, 1), true, PartialInput.TRAINED_CHANNELS);
            case QUANTIZED_ADD -> new SavedForBackward(List.of(), true, PartialInput.NOT_PARTIAL);
            case LINEAR -> new SavedForBackward(List.of(0, 1), false, PartialInput.NOT_PARTIAL);
            case GLOBAL_AVG_POOL, DEQUANTIZE, RESHAPE, SOFTMAX_CROSS_ENTROPY, LINEAR_GRAD_INPUT, LINEAR_GRAD_WEIGHT,
                    DEQUANTIZE_GRAD, AVG_POOL_GRAD, ADD_GRAD, ACCUMULATE, CONV_GRAD_OUTPUT, CONV_GRAD_INPUT,
                    CONV_GRAD_WEIGHT, CONV_GRAD_BIAS, CHANNEL_SLICE, SGD_UPDATE, CONV_GRAD_WEIGHT_UPDATE,
                    CONV_GRAD_BIAS_UPDATE, LINEAR_GRAD_WEIGHT_UPDATE, STREAMED_BACKWARD,
                    TFLITE_PAD, TFLITE_MEAN, TFLITE_CONCAT, TFLITE_SOFTMAX, TFLITE_QUANTIZE, TFLITE_PAD_GRAD,
                    TFLITE_POOL_GRAD, TFLITE_CONCAT_GRAD, BAND_REGION -> SavedForBackward.NOTHING;
            case TFLITE_CONV2D -> new SavedForBackward(List.of(0, 1), true, PartialInput.TRAINED_CHANNELS);
            case TFLITE_ADD, TFLITE_RELU -> new SavedForBackward(List.of(), true, PartialInput.NOT_PARTIAL);
            case TFLITE_POOL -> new SavedForBackward(List.of(0), false, PartialInput.NOT_PARTIAL);
        };
    }

    /** The operands each kind's sample may overwrite. */
    static InPlaceOperands expectedInPlace(OpKind kind) {
        return switch (kind) {
            case QUANTIZED_ADD, ACCUMULATE -> InPlaceOperands.of(0, 1);
            case RESHAPE, DEQUANTIZE_GRAD, ADD_GRAD, CONV_GRAD_OUTPUT -> InPlaceOperands.of(0);
            case CONV2D, GLOBAL_AVG_POOL, DEQUANTIZE, LINEAR, SOFTMAX_CROSS_ENTROPY, LINEAR_GRAD_INPUT,
                    LINEAR_GRAD_WEIGHT, AVG_POOL_GRAD, CONV_GRAD_INPUT, CONV_GRAD_WEIGHT, CONV_GRAD_BIAS,
                    CHANNEL_SLICE, SGD_UPDATE, CONV_GRAD_WEIGHT_UPDATE, CONV_GRAD_BIAS_UPDATE,
                    LINEAR_GRAD_WEIGHT_UPDATE, STREAMED_BACKWARD,
                    TFLITE_CONV2D, TFLITE_ADD, TFLITE_PAD, TFLITE_MEAN, TFLITE_POOL, TFLITE_CONCAT, TFLITE_RELU,
                    TFLITE_SOFTMAX, TFLITE_QUANTIZE, TFLITE_PAD_GRAD, TFLITE_POOL_GRAD,
                    TFLITE_CONCAT_GRAD -> InPlaceOperands.NONE;
            case BAND_REGION -> InPlaceOperands.LEAD_OFFSET;
        };
    }

    /** The kind of the op each kind's sample fuses with an update into, null for none. */
    static OpKind expectedFusion(OpKind kind) {
        return switch (kind) {
            case CONV_GRAD_WEIGHT -> OpKind.CONV_GRAD_WEIGHT_UPDATE;
            case CONV_GRAD_BIAS -> OpKind.CONV_GRAD_BIAS_UPDATE;
            case LINEAR_GRAD_WEIGHT -> OpKind.LINEAR_GRAD_WEIGHT_UPDATE;
            case RESHAPE -> OpKind.SGD_UPDATE;
            case CONV2D, QUANTIZED_ADD, GLOBAL_AVG_POOL, DEQUANTIZE, LINEAR, SOFTMAX_CROSS_ENTROPY,
                    LINEAR_GRAD_INPUT, DEQUANTIZE_GRAD, AVG_POOL_GRAD, ADD_GRAD, ACCUMULATE, CONV_GRAD_OUTPUT,
                    CONV_GRAD_INPUT, CHANNEL_SLICE, SGD_UPDATE, CONV_GRAD_WEIGHT_UPDATE, CONV_GRAD_BIAS_UPDATE,
                    LINEAR_GRAD_WEIGHT_UPDATE, STREAMED_BACKWARD,
                    TFLITE_CONV2D, TFLITE_ADD, TFLITE_PAD, TFLITE_MEAN, TFLITE_POOL, TFLITE_CONCAT, TFLITE_RELU,
                    TFLITE_SOFTMAX, TFLITE_QUANTIZE, TFLITE_PAD_GRAD, TFLITE_POOL_GRAD, TFLITE_CONCAT_GRAD,
                    BAND_REGION -> null;
        };
    }

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void everyKindHasAVerifiedSample(OpKind kind) {
        Sample s = sample(kind);
        assertEquals(kind, s.op().kind());
        if (kind.arity() >= 0) { // a band region's operand count varies
            assertEquals(kind.arity(), s.operands().size());
        }
        s.results(); // verifies
    }

    /** The attributes a kind writes read back to an op that writes them again identically, and verifies. */
    @ParameterizedTest
    @EnumSource(OpKind.class)
    void everyKindsAttributesRoundTripThroughJson(OpKind kind) {
        Sample s = sample(kind);
        com.fasterxml.jackson.databind.node.ObjectNode first =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        s.op().writeJson(first);
        Op read = kind.parseAttributes(first);
        com.fasterxml.jackson.databind.node.ObjectNode second =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        read.writeJson(second);
        assertEquals(first, second, kind.irName());
        assertEquals(s.results(), read.inferTypes("sample", s.operands()), kind.irName());
    }

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void parameterUpdateNamesTheOperandWrittenInPlace(OpKind kind) {
        Sample s = sample(kind);
        OpTraits traits = s.op().traits(s.operands());
        List<ParameterUpdate> updates = traits.parameterUpdates();
        List<Integer> expected = expectedParameterOperands(kind);
        assertEquals(expected, updates.stream().map(ParameterUpdate::parameterOperand).toList(), kind.irName());
        assertEquals(!expected.isEmpty(), traits.hasSideEffects(), kind.irName());
        for (ParameterUpdate u : updates) {
            Value p = u.parameter(s.operands());
            assertTrue(List.of(W, B, HW, DW, DB, EXPAND_W, EXPAND_B).contains(p), kind.irName() + " writes %"
                    + p.name() + ", which is not the sample's parameter");
            assertSame(SGD, u.rule(), kind.irName() + " updates by the rule it was built with");
        }
        if (updates.size() == 1) {
            // a fused update defines no value others read: at most a workspace of its own
            assertTrue(s.results().size() <= 1, kind.irName());
        }
    }

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void savedForBackwardNamesOperandsAndMasksTheSampleHas(OpKind kind) {
        Sample s = sample(kind);
        SavedForBackward saved = s.op().traits(s.operands()).savedForBackward();
        assertEquals(expectedSaved(kind), saved, kind.irName());
        saved.operands().forEach(i -> assertTrue(i < kind.arity(), kind.irName() + " saves operand " + i));
        if (saved.clampMask()) {
            List<TensorType> without = s.op().withSaveMask(false).inferTypes("n", s.operands());
            List<TensorType> with = s.op().withSaveMask(true).inferTypes("n", s.operands());
            assertEquals(without.size() + 1, with.size(), kind.irName());
            assertEquals(DType.BIT, with.get(with.size() - 1).dtype());
            assertEquals(with.get(0).shape(), with.get(with.size() - 1).shape());
        } else {
            assertThrows(UnsupportedOperationException.class, () -> s.op().withSaveMask(true), kind.irName());
        }
    }

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void inPlaceOperandsHaveTheResultsSize(OpKind kind) {
        Sample s = sample(kind);
        InPlaceOperands in = s.op().traits(s.operands()).inPlaceOperands();
        assertEquals(expectedInPlace(kind), in, kind.irName());
        for (int i : in.sameOffset()) {
            assertEquals(s.results().get(0).byteSize(), s.operands().get(i).type().byteSize(),
                    kind.irName() + " operand " + i + " cannot hold the result in place");
        }
    }

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void fuseUpdateGivesAVerifiedUpdateOfTheParameter(OpKind kind) {
        Sample s = sample(kind);
        Value param = switch (kind) {
            case CONV_GRAD_BIAS -> B;
            case LINEAR_GRAD_WEIGHT -> HW;
            case RESHAPE -> new Value("p", TensorType.of(DType.FLOAT32, Shape.of(32), Layout.ROW_MAJOR));
            default -> W;
        };
        Sample grad = kind == OpKind.RESHAPE ? new Sample(s.op(), List.of(new Value("gf",
                TensorType.of(DType.FLOAT32, Shape.of(1, 4, 4, 2), Layout.NHWC)))) : s;
        Optional<FusedUpdate> f = grad.op().fuseUpdate(SGD, grad.operands(), param);
        OpKind expected = expectedFusion(kind);
        assertEquals(expected, f.map(u -> u.op().kind()).orElse(null), kind.irName());
        if (f.isPresent()) {
            Op fused = f.get().op();
            fused.inferTypes("fused", f.get().operands());
            ParameterUpdate u = fused.traits(f.get().operands()).parameterUpdates().get(0);
            assertSame(param, u.parameter(f.get().operands()));
            assertSame(SGD, u.rule());
        }
    }

    @Test
    void depthwiseConvMayLeadItsInputAndKeepsItWhole() {
        List<Value> operands = List.of(X, DW, DB);
        DEPTHWISE.inferTypes("dw", operands);
        OpTraits traits = DEPTHWISE.traits(operands);
        assertEquals(InPlaceOperands.LEAD_OFFSET, traits.inPlaceOperands());
        assertEquals(PartialInput.WHOLE, traits.savedForBackward().partialInput());
        assertTrue(traits.savedForBackward().clampMask());
    }

    @Test
    void groupedConvTrainsWholeWeightsOnly() {
        Value w = new Value("gw", TensorType.quantized(DType.INT8, Shape.of(4, 3, 3, 1), Layout.OHWI,
                Quantization.perChannel(new float[] {0.1f, 0.1f, 0.1f, 0.1f}, 0)));
        Value b = new Value("gb", TensorType.of(DType.INT32, Shape.of(4), Layout.ROW_MAJOR));
        List<Value> operands = List.of(X, w, b);
        GROUPED.inferTypes("grouped", operands);
        assertEquals(PartialInput.NOT_PARTIAL, GROUPED.traits(operands).savedForBackward().partialInput());
        assertEquals(InPlaceOperands.NONE, GROUPED.traits(operands).inPlaceOperands());
    }

    @Test
    void savedOperandsMustBeIncreasing() {
        assertThrows(IllegalArgumentException.class,
                () -> new SavedForBackward(List.of(1, 0), false, PartialInput.NOT_PARTIAL));
        assertThrows(IllegalArgumentException.class, () -> new ParameterUpdate(-1, SGD));
        assertFalse(SavedForBackward.NOTHING.clampMask());
    }
}
