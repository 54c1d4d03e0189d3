package dev.tinytrain.backend.c;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cortex-M7 (arm-none-eabi-gcc, hard float fpv5-sp-d16, -ffp-contract=off) under qemu-system-arm -M mps2-an500 ==
 * JVM, byte for byte: every kernel family on smaller random cases (the emulator driver's buffer pool is 272 KB).
 * The host tests compare the same kernels with the JVM, so this closes JVM == host C == Cortex-M7.
 *
 * <p>Needs arm-none-eabi-gcc, libnewlib-arm-none-eabi and qemu-system-arm: skipped when missing, failing when the
 * environment variable {@code CI} is set.
 */
class QemuConformanceTest {

    private static CHarness qemu;
    private static CHarness portable;

    @BeforeAll
    static void build() {
        qemu = CHarness.buildIfToolsPresent(CHarness.Platform.QEMU_M7);
        portable = CHarness.buildIfToolsPresent(CHarness.Platform.QEMU_M7_PORTABLE);
    }

    @BeforeEach
    void tools() {
        CHarness.requireTools(CHarness.Platform.QEMU_M7); // skips, or fails under CI, when a tool is missing
    }

    @Test
    void forwardKernels() {
        ConformanceCases c = new ConformanceCases(21, ConformanceCases.Profile.QEMU);
        List<CCase> cases = new ArrayList<>(c.conv2d());
        cases.addAll(c.quantizedAdd());
        cases.addAll(c.globalAvgPool());
        cases.addAll(c.dequantizeAndLinear());
        cases.addAll(c.arenaAccessAndGeometry());
        qemu.assertConforms(cases);
    }

    @Test
    void backwardKernels() {
        ConformanceCases c = new ConformanceCases(22, ConformanceCases.Profile.QEMU);
        List<CCase> cases = new ArrayList<>(c.gradientElementwise());
        cases.addAll(c.convBackward());
        cases.addAll(c.linearBackward());
        qemu.assertConforms(cases);
    }

    @Test
    void lossExpLog() {
        ConformanceCases c = new ConformanceCases(23, ConformanceCases.Profile.QEMU);
        List<CCase> cases = new ArrayList<>(c.loss());
        cases.addAll(c.expLog());
        qemu.assertConforms(cases);
    }

    @Test
    void rngRoundingUpdates() {
        ConformanceCases c = new ConformanceCases(24, ConformanceCases.Profile.QEMU);
        List<CCase> cases = new ArrayList<>(c.rngAndScalars());
        cases.addAll(c.updates());
        qemu.assertConforms(cases);
    }

    @Test
    void parameterStorageAndStepOps() {
        ConformanceCases c = new ConformanceCases(25, ConformanceCases.Profile.QEMU);
        List<CCase> cases = new ArrayList<>(c.parameterStorage());
        cases.addAll(c.stepKernels());
        cases.addAll(c.streamedBackward());
        qemu.assertConforms(cases);
    }

    /**
     * More channel-streamed blocks on the Cortex-M7 build (its float sums through VMLA.F32) and, built with
     * TT_PORTABLE, through the C expressions: both must give the JVM kernel's bytes.
     */
    @Test
    void streamedBackwardVmlaAndPortable() {
        List<CCase> cases = new ArrayList<>(new ConformanceCases(28, ConformanceCases.Profile.QEMU).streamedBackward());
        cases.addAll(new ConformanceCases(29, ConformanceCases.Profile.QEMU).streamedBackward());
        qemu.assertConforms(cases);
        portable.assertConforms(cases);
    }

    /** The fast variants on the DSP path (SMLAD) and, built with TT_PORTABLE, on the portable loops. */
    @Test
    void fastVariantsDspAndPortable() {
        List<CCase> cases = new ConformanceCases(27, ConformanceCases.Profile.QEMU).fastVariants();
        qemu.assertConforms(cases);
        portable.assertConforms(cases);
    }
}
