package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.golden.GoldenFile;
import dev.tinytrain.golden.GoldenSchemes;
import dev.tinytrain.golden.TensorComparison;
import dev.tinytrain.golden.TrainGoldenCheck;
import dev.tinytrain.ir.SharedFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One compiled training step reproduces the authors' PyTorch step (golden README §4 tolerances): loss, logits,
 * every updated parameter's grad_raw, grad_qas and updated value, the trainable channels, and every frozen
 * parameter unchanged — in the authors' float-master mode and with int8 round-half-to-even storage.
 */
class TrainGoldensTest {

    @ParameterizedTest(name = "{0} train_{1} {2}")
    @CsvSource({
        "mcunet-5fps, 0, float_master", "mcunet-5fps, 1, float_master", "mcunet-5fps, 2, float_master",
        "mbv2-w0.35, 0, float_master", "mbv2-w0.35, 1, float_master", "mbv2-w0.35, 2, float_master",
        "proxyless-w0.3, 0, float_master", "proxyless-w0.3, 1, float_master", "proxyless-w0.3, 2, float_master",
        "mcunet-5fps, 0, nearest_even", "mbv2-w0.35, 1, nearest_even", "proxyless-w0.3, 2, nearest_even"})
    void oneTrainingStepMatchesTheAuthors(String model, int index, String rounding) {
        Path shared = SharedFolder.require();
        GoldenFile golden = GoldenFile.read(shared.resolve("golden").resolve(model).resolve("train_" + index + ".json"));
        Path dir = golden.modelFolder().orElseThrow();
        List<TensorComparison> results = TrainGoldenCheck.run(golden, TrainGoldenCheck.Setup.preset(dir, rounding, GoldenSchemes.defaultScheme(model)));
        List<TensorComparison> bad = results.stream().filter(c -> !c.passed()).toList();
        assertTrue(bad.isEmpty(), () -> bad.stream().map(TensorComparison::line).collect(Collectors.joining("\n")));
        assertTrue(results.size() > 10, "compared " + results.size() + " tensors");
    }
}
