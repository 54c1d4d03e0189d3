package dev.tinytrain.backend.c;

import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Host gcc == JVM, byte for byte, for every C kernel on random inputs; each batch runs twice: as users build it
 * ({@code make host}: -O2 -ffp-contract=off) and with {@code SANITIZE=1 CHECKS=1} (AddressSanitizer, fatal UBSan,
 * the kernels' precondition checks), which must report nothing.
 */
class HostConformanceTest {

    private static CHarness plain;
    private static CHarness sanitized;

    @BeforeAll
    static void build() {
        plain = CHarness.buildIfToolsPresent(CHarness.Platform.HOST);
        sanitized = CHarness.buildIfToolsPresent(CHarness.Platform.HOST_SANITIZED);
    }

    @BeforeEach
    void tools() {
        CHarness.requireTools(CHarness.Platform.HOST); // skips, or fails under CI, when gcc or make is missing
    }

    private static void check(long seed, Function<ConformanceCases, List<CCase>> family) {
        List<CCase> cases = family.apply(new ConformanceCases(seed, ConformanceCases.Profile.HOST));
        plain.assertConforms(cases);
        sanitized.assertConforms(cases);
    }

    @Test
    void conv2d() {
        check(11, ConformanceCases::conv2d);
    }

    @Test
    void quantizedAddPoolDequantizeLinear() {
        check(12, c -> {
            List<CCase> all = new java.util.ArrayList<>(c.quantizedAdd());
            all.addAll(c.globalAvgPool());
            all.addAll(c.dequantizeAndLinear());
            return all;
        });
    }

    @Test
    void arenaAccessAndConvGeometry() {
        check(13, ConformanceCases::arenaAccessAndGeometry);
    }

    @Test
    void elementwiseGradients() {
        check(14, ConformanceCases::gradientElementwise);
    }

    @Test
    void convBackward() {
        check(15, ConformanceCases::convBackward);
    }

    @Test
    void linearBackward() {
        check(16, ConformanceCases::linearBackward);
    }

    @Test
    void softmaxCrossEntropy() {
        check(17, ConformanceCases::loss);
    }

    @Test
    void expAndLog() {
        check(18, ConformanceCases::expLog);
    }

    @Test
    void rngQasSgdRounding() {
        check(19, ConformanceCases::rngAndScalars);
    }

    @Test
    void updates() {
        check(20, ConformanceCases::updates);
    }

    @Test
    void splitWeightsAndInt32Biases() {
        check(25, ConformanceCases::parameterStorage);
    }

    @Test
    void trainingStepOps() {
        check(26, ConformanceCases::stepKernels);
    }

    @Test
    void fastVariants() {
        check(28, ConformanceCases::fastVariants);
    }

    @Test
    void streamedBackward() {
        check(29, ConformanceCases::streamedBackward);
    }
}
