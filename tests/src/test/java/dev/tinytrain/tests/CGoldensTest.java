package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.cli.golden.CGoldenBackend;
import dev.tinytrain.cli.golden.ForwardGoldenCheck;
import dev.tinytrain.cli.golden.GoldenFile;
import dev.tinytrain.cli.golden.GoldenSchemes;
import dev.tinytrain.cli.golden.TensorComparison;
import dev.tinytrain.cli.golden.TrainGoldenCheck;
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
 * (README tolerances, in the authors' float-master mode, plus the int8 modes) with host gcc; a representative subset
 * on the Cortex-M7 under QEMU -- all of them with {@code -Dtinytrain.c.full=true} (Maven profile {@code c-full}).
 */
@Execution(ExecutionMode.CONCURRENT)
class CGoldensTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final List<String> MODELS = List.of("mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3");

    static boolean full() {
        return Boolean.getBoolean("tinytrain.c.full");
    }

    static Stream<Arguments> forwardAll() {
        List<Arguments> a = new ArrayList<>();
        for (String m : MODELS) {
            for (int i = 0; i < 6; i++) {
                a.add(Arguments.of(m, i));
            }
        }
        return a.stream();
    }

    static Stream<Arguments> forwardM7() {
        return full() ? forwardAll() : forwardAll().filter(a -> (int) a.get()[1] <= 1);
    }

    static Stream<Arguments> trainHost() {
        List<Arguments> a = new ArrayList<>();
        for (String m : MODELS) {
            for (int i = 0; i < 3; i++) {
                a.add(Arguments.of(m, i, "float_master"));
            }
        }
        a.add(Arguments.of("mcunet-5fps", 0, "nearest_even"));
        a.add(Arguments.of("mbv2-w0.35", 1, "nearest_even"));
        a.add(Arguments.of("proxyless-w0.3", 2, "nearest_even"));
        a.add(Arguments.of("mcunet-5fps", 1, "stochastic"));
        a.add(Arguments.of("mbv2-w0.35", 2, "stochastic"));
        a.add(Arguments.of("proxyless-w0.3", 0, "stochastic"));
        return a.stream();
    }

    static Stream<Arguments> trainM7() {
        if (full()) {
            return trainHost();
        }
        return Stream.of(Arguments.of("mcunet-5fps", 0, "float_master"), Arguments.of("mbv2-w0.35", 1, "nearest_even"),
                Arguments.of("proxyless-w0.3", 2, "stochastic"));
    }

    @ParameterizedTest(name = "{0} forward_{1}")
    @MethodSource("forwardAll")
    void forwardGoldenOnHost(String model, int index) {
        forward(model, index, CModelRunner.Platform.HOST);
    }

    @ParameterizedTest(name = "{0} forward_{1}")
    @MethodSource("forwardM7")
    void forwardGoldenOnCortexM7(String model, int index) {
        forward(model, index, CModelRunner.Platform.QEMU_M7);
    }

    @ParameterizedTest(name = "{0} train_{1} {2}")
    @MethodSource("trainHost")
    void trainGoldenOnHost(String model, int index, String rounding) {
        train(model, index, rounding, CModelRunner.Platform.HOST);
    }

    @ParameterizedTest(name = "{0} train_{1} {2}")
    @MethodSource("trainM7")
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
        List<TensorComparison> results = TrainGoldenCheck.run(golden, new TrainGoldenCheck.Setup(dir, rounding,
                GoldenSchemes.pruner(GoldenSchemes.defaultScheme(model), dir)),
                new CGoldenBackend(p, CTestSupport.CACHE, TIMEOUT));
        assertAllPass(results);
        assertTrue(results.size() > 10, "compared " + results.size() + " tensors");
    }

    private static void assertAllPass(List<TensorComparison> results) {
        List<TensorComparison> bad = results.stream().filter(c -> c.produced() && !c.passed()).toList();
        assertTrue(bad.isEmpty(), () -> bad.stream().map(TensorComparison::line).collect(Collectors.joining("\n")));
    }
}
