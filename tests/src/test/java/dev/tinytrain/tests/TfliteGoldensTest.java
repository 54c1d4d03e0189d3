package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.golden.CGoldenBackend;
import dev.tinytrain.golden.GoldenBackend;
import dev.tinytrain.golden.TensorComparison;
import dev.tinytrain.golden.TfliteGoldenCheck;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.tflite.TfliteImporter;
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
 * The TFLite reference-kernel goldens of {@code ../shared/tflite/} (3 models x 4 inputs): every recorded operator
 * output of the imported model, bit for bit, on the JVM, with host gcc and on the Cortex-M7 under QEMU (one C
 * build per model and platform, cached by content).
 */
@Execution(ExecutionMode.CONCURRENT)
class TfliteGoldensTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    /** Model name and the number of operator outputs its goldens record. */
    static Stream<Arguments> all() {
        List<Arguments> a = new ArrayList<>();
        for (Object[] m : new Object[][] {{"mcunet-5fps-int8", 56}, {"mbv2-a035-96-int8", 65},
            {"small-cnn-int8", 14}}) {
            for (int i = 0; i < 4; i++) {
                a.add(Arguments.of(m[0], i, m[1]));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} golden_{1}")
    @MethodSource("all")
    void jvm(String model, int index, int tensors) {
        check(model, index, tensors, GoldenBackend.jvm());
    }

    @ParameterizedTest(name = "{0} golden_{1}")
    @MethodSource("all")
    void host(String model, int index, int tensors) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        check(model, index, tensors, new CGoldenBackend(CModelRunner.Platform.HOST, CTestSupport.CACHE, TIMEOUT));
    }

    @ParameterizedTest(name = "{0} golden_{1}")
    @MethodSource("all")
    void cortexM7(String model, int index, int tensors) {
        CTestSupport.requireTools(CModelRunner.Platform.QEMU_M7);
        check(model, index, tensors, new CGoldenBackend(CModelRunner.Platform.QEMU_M7, CTestSupport.CACHE,
                TIMEOUT));
    }

    private static void check(String model, int index, int tensors, GoldenBackend backend) {
        Path dir = SharedFolder.require().resolve("tflite");
        ImportedModel m = TfliteImporter.load(dir.resolve(model + ".tflite"));
        List<TensorComparison> results = TfliteGoldenCheck.run(dir.resolve(model).resolve("golden_" + index
                + ".json"), m, backend);
        List<TensorComparison> bad = results.stream().filter(c -> !c.passed()).toList();
        assertTrue(bad.isEmpty(), () -> bad.stream().map(TensorComparison::line).collect(Collectors.joining("\n")));
        assertEquals(tensors, results.size(), "operator outputs compared");
    }
}
