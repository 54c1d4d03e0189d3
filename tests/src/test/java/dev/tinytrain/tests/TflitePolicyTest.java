package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.output.SchemeSource;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.pruning.PolicyException;
import dev.tinytrain.pruning.PolicyJson;
import dev.tinytrain.pruning.PolicyResolver;
import dev.tinytrain.pruning.Presets;
import dev.tinytrain.tflite.TfliteImporter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sparse-update policies on an imported {@code .tflite} model: its conv layers are backbone convs in forward order,
 * addressed by index, node name or TFLite operator index; {@code bench/mcunet-99kb-tflite.json} (the study's
 * scheme, by operator index) trains exactly what the native mcunet-99kb trains, layer for layer.
 */
class TflitePolicyTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static Graph tflite() {
        Path file = SharedFolder.require().resolve("tflite").resolve("mcunet-5fps-int8.tflite");
        return TfliteImporter.load(file, HeadSpec.transfer(new float[10 * 160], new float[10])).graph();
    }

    @Test
    void theImportedMcunetHasTheNativeConvsLayerForLayer() {
        Graph imported = tflite();
        Graph nativeModel = CTestSupport.model("mcunet-5fps");
        List<String> importedOrder = Compiler.convOrder(imported);
        List<String> nativeOrder = Compiler.convOrder(nativeModel); // both with a float transfer head
        assertEquals(42, importedOrder.size());
        assertEquals(nativeOrder.size(), importedOrder.size());
        for (int i = 0; i < importedOrder.size(); i++) {
            assertEquals(weightShape(nativeModel, nativeOrder.get(i)), weightShape(imported, importedOrder.get(i)),
                    "conv " + i + ": " + nativeOrder.get(i) + " vs " + importedOrder.get(i));
        }
    }

    @Test
    void theStudyPolicyByOperatorIndexIsMcunet99kbOfTheImportedGraph() {
        Graph g = tflite();
        List<String> order = Compiler.convOrder(g);
        Map<String, Trainability> byOperator = PolicyResolver.resolve(
                PolicyJson.read(ROOT.resolve("bench/mcunet-99kb-tflite.json")), g, order);
        assertEquals(PolicyResolver.resolve(Presets.get("mcunet-99kb"), g, order), byOperator);
        assertEquals(Trainability.ALL, byOperator.get("op28.weight"));
        assertEquals(12, byOperator.get("op47.weight").channels().size()); // 0.125 of 96 input channels
        assertEquals(Trainability.FROZEN, byOperator.get("op25.bias")); // conv 19, outside the 22-conv window
        assertEquals(Trainability.ALL, byOperator.get("op26.bias")); // conv 20
    }

    /**
     * With its pads folded into the convs, the imported MCUNet's mcunet-99kb step needs the memory of the native
     * step on whole tensors: the same arena (its lower bound) and the same SRAM, which fits the STM32F746.
     */
    @Test
    void theStudyStepNeedsTheNativeStepsMemory() {
        CompileOptions o = SchemeSource.resolve(ROOT.resolve("bench/mcunet-99kb-tflite.json").toString(), ROOT)
                .options(TrainingOptions.of(1e-3f, "stochastic"));
        MemoryReport imported = Compiler.compile(tflite(), Target.STM32F746, o).report();
        // imported TFLite layers are not streamed (neither the prefix in row bands nor the backward channel by
        // channel, which both match native convs only): the native step on whole tensors is the comparison
        MemoryReport nativeStep = Compiler.compile(CTestSupport.model("mcunet-5fps"), Target.STM32F746,
                CompileOptions.preset("mcunet-99kb", 1e-3f).withStreamPrefix(false).withStreamBackward(false))
                .report();
        assertEquals(163_844, imported.arenaBytes());
        assertEquals(imported.lowerBoundBytes(), imported.arenaBytes());
        assertEquals(246_028, imported.sramTotalBytes());
        assertEquals(nativeStep.sramTotalBytes(), imported.sramTotalBytes());
        assertEquals(nativeStep.arenaBytes(), imported.arenaBytes());
    }

    @Test
    void anOperatorThatIsNotAConvIsNamed() {
        Graph g = tflite();
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyResolver.resolve(
                PolicyJson.parse("{\"bias_window\": 3, \"weights\": [{\"op\": 27}]}"), g, Compiler.convOrder(g)));
        assertEquals("weights[0]: operator 27 is not a conv layer of graph 'mcunet-5fps-int8' (a policy's \"op\""
                + " names a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED operator of an imported .tflite model; its"
                + " conv layers are op1 .. op53)", e.getMessage());
    }

    /**
     * Issue 14's comparison trains the same thing on both sides: conv for conv, the study policy on the imported
     * graph and mcunet-99kb on the native one make the same weights and biases trainable, and the weights trained
     * on a channel ratio keep the same input channels (the magnitude rule ranks int8 weights, which TensorFlow's
     * converter kept for all but a few dead channels).
     */
    @Test
    void theStudyPolicyTrainsTheNativeSchemesWeightsBiasesAndChannels() {
        Graph imported = tflite();
        Graph nativeModel = CTestSupport.model("mcunet-5fps");
        List<String> importedOrder = Compiler.convOrder(imported);
        List<String> nativeOrder = Compiler.convOrder(nativeModel);
        Map<String, Trainability> importedPolicy = PolicyResolver.resolve(
                PolicyJson.read(ROOT.resolve("bench/mcunet-99kb-tflite.json")), imported, importedOrder);
        Map<String, Trainability> nativePolicy = PolicyResolver.resolve(Presets.get("mcunet-99kb"), nativeModel,
                nativeOrder);
        int trainedWeights = 0;
        int trainedBiases = 0;
        for (int i = 0; i < importedOrder.size(); i++) {
            Node a = conv(imported, importedOrder.get(i));
            Node b = conv(nativeModel, nativeOrder.get(i));
            for (int operand = 1; operand <= 2; operand++) {
                Trainability ta = importedPolicy.get(a.inputs().get(operand).name());
                assertEquals(nativePolicy.get(b.inputs().get(operand).name()), ta, "conv " + i + " operand "
                        + operand + ": " + a.inputs().get(operand).name() + " vs " + b.inputs().get(operand).name());
                if (ta.trainable()) {
                    trainedWeights += operand == 1 ? 1 : 0;
                    trainedBiases += operand == 2 ? 1 : 0;
                }
            }
        }
        assertEquals(6, trainedWeights);
        assertEquals(22, trainedBiases);
        assertEquals(List.of(8, 16, 34, 43, 48, 49, 50, 59, 73, 77, 80, 81),
                importedPolicy.get("op47.weight").channels());
    }

    private static Node conv(Graph g, String name) {
        return g.nodes().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
    }

    private static Object weightShape(Graph g, String conv) {
        Node n = conv(g, conv);
        return List.of(n.inputs().get(1).type().shape(), n.inputs().get(1).type().layout());
    }
}
