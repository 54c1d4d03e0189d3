package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.golden.ForwardGoldenCheck;
import dev.tinytrain.golden.GoldenFile;
import dev.tinytrain.golden.TensorComparison;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JVM backend reproduces every stored tensor of the authors' forward goldens bit for bit: the outputs of the
 * first three convs, every block output, the pooled feature and the int8 logits, for inputs 0-5 of each model.
 */
class ForwardGoldensTest {

    @ParameterizedTest(name = "{0} forward_{1}")
    @CsvSource({
        "mcunet-5fps, 0, 19", "mcunet-5fps, 1, 19", "mcunet-5fps, 2, 19", "mcunet-5fps, 3, 19",
        "mcunet-5fps, 4, 19", "mcunet-5fps, 5, 19",
        "mbv2-w0.35, 0, 22", "mbv2-w0.35, 1, 22", "mbv2-w0.35, 2, 22", "mbv2-w0.35, 3, 22",
        "mbv2-w0.35, 4, 22", "mbv2-w0.35, 5, 22",
        "proxyless-w0.3, 0, 25", "proxyless-w0.3, 1, 25", "proxyless-w0.3, 2, 25", "proxyless-w0.3, 3, 25",
        "proxyless-w0.3, 4, 25", "proxyless-w0.3, 5, 25"})
    void everyStoredTensorIsBitExact(String model, int index, int tensors) {
        Path shared = SharedFolder.require();
        GoldenFile golden = GoldenFile.read(shared.resolve("golden").resolve(model)
                .resolve("forward_" + index + ".json"));
        ImportedModel m = McuModelImporter.load(golden.modelFolder().orElseThrow());
        List<TensorComparison> results = ForwardGoldenCheck.run(golden, m);
        assertEquals(tensors, results.size(), "every stored tensor but the input is compared");
        List<TensorComparison> bad = results.stream().filter(c -> !c.passed()).toList();
        assertTrue(bad.isEmpty(), () -> bad.stream().map(TensorComparison::line).collect(Collectors.joining("\n")));
    }
}
