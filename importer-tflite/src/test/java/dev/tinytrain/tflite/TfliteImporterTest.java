package dev.tinytrain.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.ModelFormatException;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.tflite.schema.BuiltinOperator;
import dev.tinytrain.tflite.schema.Model;
import dev.tinytrain.tflite.schema.Operator;
import dev.tinytrain.tflite.schema.OperatorCode;
import dev.tinytrain.tflite.schema.QuantizationParameters;
import dev.tinytrain.tflite.schema.SubGraph;
import dev.tinytrain.tflite.schema.Tensor;
import dev.tinytrain.tflite.schema.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfliteImporterTest {

    @TempDir
    Path tmp;

    private static Path model(String name) {
        return SharedFolder.require().resolve("tflite").resolve(name + ".tflite");
    }

    private static Map<OpKind, Long> kinds(ImportedModel m) {
        return m.graph().nodes().stream().collect(Collectors.groupingBy(n -> n.op().kind(), Collectors.counting()));
    }

    @Test
    void mapsEveryOperatorOfTheSharedModels() {
        ImportedModel mcunet = TfliteImporter.load(model("mcunet-5fps-int8"));
        // 28 conv + 14 depthwise + 1 fully connected (as a 1x1 conv between two reshapes)
        assertEquals(43L, kinds(mcunet).get(OpKind.TFLITE_CONV2D));
        assertEquals(7L, kinds(mcunet).get(OpKind.TFLITE_ADD));
        assertEquals(5L, kinds(mcunet).get(OpKind.TFLITE_PAD));
        assertEquals(1L, kinds(mcunet).get(OpKind.TFLITE_MEAN));
        assertEquals(57, mcunet.taps().size()); // the input and the 56 operator outputs
        ImportedModel cnn = TfliteImporter.load(model("small-cnn-int8"));
        assertEquals(4L, kinds(cnn).get(OpKind.TFLITE_POOL));
        assertEquals(1L, kinds(cnn).get(OpKind.TFLITE_CONCAT));
        assertEquals(1L, kinds(cnn).get(OpKind.TFLITE_RELU));
        assertEquals(1L, kinds(cnn).get(OpKind.TFLITE_SOFTMAX));
        assertEquals(DType.INT8, cnn.graph().outputs().get(0).type().dtype());
    }

    @Test
    void aTransferHeadReplacesTheLastFullyConnectedAndWhatFollows() {
        int c = TfliteImporter.featureChannels(model("small-cnn-int8"));
        assertEquals(32, c);
        ImportedModel m = TfliteImporter.load(model("small-cnn-int8"), HeadSpec.transfer(new float[3 * c],
                new float[3]));
        assertEquals("logits", m.graph().outputs().get(0).name());
        assertEquals(DType.FLOAT32, m.graph().outputs().get(0).type().dtype());
        assertEquals(0L, kinds(m).getOrDefault(OpKind.TFLITE_SOFTMAX, 0L));
        assertEquals(1L, kinds(m).get(OpKind.LINEAR));
        UnsupportedTfliteException e = assertThrows(UnsupportedTfliteException.class, () -> TfliteImporter.load(
                model("small-cnn-int8"), HeadSpec.transfer(new float[3 * 31], new float[3])));
        assertTrue(e.getMessage().contains("operator 12 (FULLY_CONNECTED)"), e.getMessage());
    }

    @Test
    void refusesAnotherOperatorNamingItsIndexAndTheFile() throws IOException {
        Path f = write("tanh.tflite", b -> tiny(b, BuiltinOperator.TANH, TensorType.INT8, 1));
        UnsupportedTfliteException e = assertThrows(UnsupportedTfliteException.class, () -> TfliteImporter.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("operator 0 (TANH)"), e.getMessage());
    }

    @Test
    void refusesFloatAndInt16ActivationsAndSeveralSubgraphs() throws IOException {
        Path fl = write("float.tflite", b -> tiny(b, BuiltinOperator.RELU, TensorType.FLOAT32, 1));
        assertTrue(assertThrows(UnsupportedTfliteException.class, () -> TfliteImporter.load(fl)).getMessage()
                .contains("FLOAT32 activations are not imported"));
        Path i16 = write("int16.tflite", b -> tiny(b, BuiltinOperator.RELU, TensorType.INT16, 1));
        assertTrue(assertThrows(UnsupportedTfliteException.class, () -> TfliteImporter.load(i16)).getMessage()
                .contains("INT16 activations are not imported"));
        Path two = write("two.tflite", b -> tiny(b, BuiltinOperator.RELU, TensorType.INT8, 2));
        assertTrue(assertThrows(UnsupportedTfliteException.class, () -> TfliteImporter.load(two)).getMessage()
                .contains("2 subgraphs"));
        Path ok = write("relu.tflite", b -> tiny(b, BuiltinOperator.RELU, TensorType.INT8, 1));
        assertEquals(1, TfliteImporter.load(ok).graph().nodes().size());
    }

    @Test
    void importsAFloatInFloatOutModel() throws IOException {
        Path f = write("float-io.tflite", TfliteImporterTest::floatInFloatOut);
        ImportedModel m = TfliteImporter.load(f);
        assertEquals(DType.FLOAT32, m.graph().inputs().get(0).type().dtype());
        assertEquals(DType.FLOAT32, m.graph().outputs().get(0).type().dtype());
        assertEquals(java.util.List.of(OpKind.TFLITE_QUANTIZE, OpKind.TFLITE_RELU, OpKind.DEQUANTIZE),
                m.graph().nodes().stream().map(n -> n.op().kind()).toList());
    }

    /** float32 [1,4] -> QUANTIZE -> RELU -> DEQUANTIZE -> float32 [1,4]. */
    static int floatInFloatOut(FlatBufferBuilder b) {
        byte[] types = {TensorType.FLOAT32, TensorType.INT8, TensorType.INT8, TensorType.FLOAT32};
        int[] tensors = new int[4];
        for (int t = 0; t < 4; t++) {
            int q = types[t] == TensorType.INT8 ? QuantizationParameters.createQuantizationParameters(b, 0, 0,
                    QuantizationParameters.createScaleVector(b, new float[] {0.05f}),
                    QuantizationParameters.createZeroPointVector(b, new long[] {-3}), (byte) 0, 0, 0) : 0;
            tensors[t] = Tensor.createTensor(b, Tensor.createShapeVector(b, new int[] {1, 4}), types[t], 0,
                    b.createString("t" + t), q, false, 0, 0, false, 0, 0);
        }
        int[] ops = new int[3];
        for (int k = 0; k < 3; k++) {
            ops[k] = Operator.createOperator(b, k, Operator.createInputsVector(b, new int[] {k}),
                    Operator.createOutputsVector(b, new int[] {k + 1}), (byte) 0, 0, 0, (byte) 0, 0, 0, 0, 0, (byte) 0,
                    0, 0);
        }
        int graph = SubGraph.createSubGraph(b, SubGraph.createTensorsVector(b, tensors),
                SubGraph.createInputsVector(b, new int[] {0}), SubGraph.createOutputsVector(b, new int[] {3}),
                SubGraph.createOperatorsVector(b, ops), 0, 0);
        int[] codes = new int[3];
        int[] builtins = {BuiltinOperator.QUANTIZE, BuiltinOperator.RELU, BuiltinOperator.DEQUANTIZE};
        for (int k = 0; k < 3; k++) {
            codes[k] = OperatorCode.createOperatorCode(b, (byte) builtins[k], 0, 1, builtins[k]);
        }
        return Model.createModel(b, 3, Model.createOperatorCodesVector(b, codes),
                Model.createSubgraphsVector(b, new int[] {graph}), 0, Model.createBuffersVector(b,
                        new int[] {dev.tinytrain.tflite.schema.Buffer.createBuffer(b, 0, 0, 0)}), 0, 0, 0, 0, 0);
    }

    @Test
    void refusesFilesThatAreNotTfliteFlatbuffers() throws IOException {
        Path f = tmp.resolve("junk.tflite");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfliteImporter.load(f));
        assertTrue(e.getMessage().contains("TFL3"), e.getMessage());
    }

    private Path write(String name, Function<FlatBufferBuilder, Integer> model) throws IOException {
        FlatBufferBuilder b = new FlatBufferBuilder();
        Model.finishModelBuffer(b, model.apply(b));
        Path f = tmp.resolve(name);
        Files.write(f, b.sizedByteArray());
        return f;
    }

    /** A model of one elementwise operator {@code [1,4] -> [1,4]}, in {@code subgraphs} copies. */
    private static int tiny(FlatBufferBuilder b, int builtin, byte type, int subgraphs) {
        int[] graphs = new int[subgraphs];
        for (int g = 0; g < subgraphs; g++) {
            int[] tensors = new int[2];
            for (int t = 0; t < 2; t++) {
                int q = QuantizationParameters.createQuantizationParameters(b, 0, 0,
                        QuantizationParameters.createScaleVector(b, new float[] {0.5f}),
                        QuantizationParameters.createZeroPointVector(b, new long[] {0}), (byte) 0, 0, 0);
                tensors[t] = Tensor.createTensor(b, Tensor.createShapeVector(b, new int[] {1, 4}), type, 0,
                        b.createString("t" + t), q, false, 0, 0, false, 0, 0);
            }
            int op = Operator.createOperator(b, 0, Operator.createInputsVector(b, new int[] {0}),
                    Operator.createOutputsVector(b, new int[] {1}), (byte) 0, 0, 0, (byte) 0, 0, 0, 0, 0, (byte) 0, 0,
                    0);
            graphs[g] = SubGraph.createSubGraph(b, SubGraph.createTensorsVector(b, tensors),
                    SubGraph.createInputsVector(b, new int[] {0}), SubGraph.createOutputsVector(b, new int[] {1}),
                    SubGraph.createOperatorsVector(b, new int[] {op}), 0, 0);
        }
        int code = OperatorCode.createOperatorCode(b, (byte) Math.min(builtin, 127), 0, 1, builtin);
        return Model.createModel(b, 3, Model.createOperatorCodesVector(b, new int[] {code}),
                Model.createSubgraphsVector(b, graphs), 0, Model.createBuffersVector(b,
                        new int[] {dev.tinytrain.tflite.schema.Buffer.createBuffer(b, 0, 0, 0)}), 0, 0, 0, 0, 0);
    }

    @Test
    void namesTheSharedModelsFiles() {
        assertTrue(Arrays.asList("mcunet-5fps-int8", "small-cnn-int8").stream().allMatch(n -> Files.exists(model(n))));
    }
}
