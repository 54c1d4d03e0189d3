package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.golden.CGoldenBackend;
import dev.tinytrain.golden.ForwardGoldenCheck;
import dev.tinytrain.golden.GoldenFile;
import dev.tinytrain.golden.GoldenSchemes;
import dev.tinytrain.golden.TensorComparison;
import dev.tinytrain.golden.TrainGoldenCheck;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.McuModelImporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared goldens through the emitted C, compared exactly like the JVM backend ({@code ForwardGoldenCheck},
 * {@code TrainGoldenCheck} with a {@link CGoldenBackend}): every forward golden (bit-exact) and every train golden
 * (README tolerances, in each update rounding mode) with host gcc and on the Cortex-M7 under QEMU: 90 cases, one C
 * build per model and platform (cached by content, the kernels' object shared).
 */
@Execution(ExecutionMode.CONCURRENT)
class CGoldensTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final List<String> MODELS = List.of("mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3");

    static Stream<Arguments> forwardAll() {
        List<Arguments> a = new ArrayList<>();
        for (String m : MODELS) {
            for (int i = 0; i < 6; i++) {
                a.add(Arguments.of(m, i));
            }
        }
        return a.stream();
    }

    static Stream<Arguments> trainAll() {
        List<Arguments> a = new ArrayList<>();
        for (String m : MODELS) {
            for (int i = 0; i < 3; i++) {
                for (String rounding : List.of("float_master", "nearest_even", "stochastic")) {
                    a.add(Arguments.of(m, i, rounding));
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} forward_{1}")
    @MethodSource("forwardAll")
    void forwardGoldenOnHost(String model, int index) {
        forward(model, index, CModelRunner.Platform.HOST);
    }

    @ParameterizedTest(name = "{0} forward_{1}")
    @MethodSource("forwardAll")
    void forwardGoldenOnCortexM7(String model, int index) {
        forward(model, index, CModelRunner.Platform.QEMU_M7);
    }

    @ParameterizedTest(name = "{0} train_{1} {2}")
    @MethodSource("trainAll")
    void trainGoldenOnHost(String model, int index, String rounding) {
        train(model, index, rounding, CModelRunner.Platform.HOST);
    }

    @ParameterizedTest(name = "{0} train_{1} {2}")
    @MethodSource("trainAll")
    void trainGoldenOnCortexM7(String model, int index, String rounding) {
        train(model, index, rounding, CModelRunner.Platform.QEMU_M7);
    }

    private static void forward(String model, int index, CModelRunner.Platform p) {
        CTestSupport.requireTools(p);
        Path shared = SharedFolder.require();
        GoldenFile golden = GoldenFile.read(shared.resolve("golden").resolve(model)
                .resolve("forward_" + index + ".json"));
        List<TensorComparison> results = ForwardGoldenCheck.run(golden,
                McuModelImporter.load(golden.modelFolder().orElseThrow()),
                new CGoldenBackend(p, CTestSupport.CACHE, TIMEOUT));
        assertAllPass(results);
        int expected = switch (model) {
            case "mcunet-5fps" -> 19;
            case "mbv2-w0.35" -> 22;
            default -> 25;
        };
        assertEquals(expected, results.stream().filter(TensorComparison::passed).count(), "tensors compared");
    }

    private static void train(String model, int index, String rounding, CModelRunner.Platform p) {
        CTestSupport.requireTools(p);
        Path shared = SharedFolder.require();
        GoldenFile golden = GoldenFile.read(shared.resolve("golden").resolve(model).resolve("train_" + index + ".json"));
        Path dir = golden.modelFolder().orElseThrow();
        List<TensorComparison> results = TrainGoldenCheck.run(golden,
                TrainGoldenCheck.Setup.preset(dir, rounding, GoldenSchemes.defaultScheme(model)),
                new CGoldenBackend(p, CTestSupport.CACHE, TIMEOUT));
        assertAllPass(results);
        assertTrue(results.size() > 10, "compared " + results.size() + " tensors");
    }

    private static void assertAllPass(List<TensorComparison> results) {
        List<TensorComparison> bad = results.stream().filter(c -> c.produced() && !c.passed()).toList();
        assertTrue(bad.isEmpty(), () -> bad.stream().map(TensorComparison::line).collect(Collectors.joining("\n")));
    }
}
