package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.golden.GoldenBackend;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.tflite.TfliteImporter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model imported for training (transfer head) folds each PAD read only by a conv into the conv's padding: every
 * tensor both graphs have (all but the folded pads' outputs, up to the classifier's input) is bit-identical to the
 * pretrained import's, which keeps every TFLite tensor for the goldens.
 */
class TflitePadFoldingTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mcunet-5fps-int8", "mbv2-a035-96-int8", "small-cnn-int8"})
    void foldedPadsChangeNoTensor(String model) {
        Path file = SharedFolder.require().resolve("tflite").resolve(model + ".tflite");
        int c = TfliteImporter.featureChannels(file);
        ImportedModel pretrained = TfliteImporter.load(file);
        ImportedModel training = TfliteImporter.load(file, HeadSpec.transfer(new float[10 * c], new float[10]));
        long pads = pretrained.graph().nodes().stream().filter(n -> n.op() instanceof TflitePad).count();
        long left = training.graph().nodes().stream().filter(n -> n.op() instanceof TflitePad).count();
        if (model.startsWith("mcunet")) {
            assertEquals(5, pads);
            assertEquals(0, left, "MCUNet's five pads each feed one conv");
        }
        Map<String, Value> common = new LinkedHashMap<>();
        training.taps().forEach((k, v) -> {
            if (pretrained.taps().containsKey(k) && !k.equals("feature") && !k.equals("logits")) {
                common.put(k, v);
            }
        });
        assertTrue(common.size() > 5, model + ": " + common.keySet());
        Map<String, Value> pretrainedTaps = new LinkedHashMap<>();
        common.keySet().forEach(k -> pretrainedTaps.put(k, pretrained.tap(k)));
        byte[] input = new byte[Math.toIntExact(training.graph().inputs().get(0).type().elementCount())];
        new Random(model.hashCode()).nextBytes(input);
        Map<String, byte[]> a = GoldenBackend.jvm().forward(pretrained.graph(), input, pretrainedTaps);
        Map<String, byte[]> b = GoldenBackend.jvm().forward(training.graph(), input, common);
        for (String k : common.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), model + ": tensor " + k);
        }
    }
}
