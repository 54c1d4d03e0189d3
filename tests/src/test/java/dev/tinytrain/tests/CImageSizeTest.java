package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.c.CImage;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CTools;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.Target;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The linked STM32F746 image ({@code make m7}: model, kernels, example application, minimal startup;
 * {@code stm32f746.ld}) of each model with its TTE 99kb/98kb preset (default options: stochastic rounding) fits the
 * part -- Flash <= 1 MB, static SRAM (data + bss + the planner's stack) <= 320 KB, which the link itself enforces --
 * and contains no double-precision instruction; the measured SRAM is the planner's figure within a few hundred
 * bytes (the step counter, the example's variables, alignment).
 */
@Execution(ExecutionMode.CONCURRENT)
class CImageSizeTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"mcunet-5fps, mcunet-99kb", "mbv2-w0.35, mbv2-99kb", "proxyless-w0.3, proxyless-98kb"})
    void theImageFitsTheStm32f746AndHasNoDoublePrecision(String model, String preset) {
        CTestSupport.requireTools("the STM32F746 image", CTools.M7);
        CompiledModel c = Compiler.compile(CTestSupport.model(model), Target.STM32F746,
                CompileOptions.preset(preset, 1e-3f));
        Path folder = CModelRunner.materialize(c.toC("test"), CTestSupport.CACHE);
        CImage image = CImage.link(folder);
        MemoryReport r = c.report();
        String table = String.format(Locale.ROOT, "%s %s: Flash %,d B (planner %,d B), SRAM %,d B (planner %,d B)",
                model, preset, image.flashBytes(), r.flashBytes(), image.ramBytes(), r.sramTotalBytes());
        System.out.println(table);
        assertTrue(image.flashBytes() <= CImage.FLASH_BYTES, table);
        assertTrue(image.ramBytes() <= CImage.RAM_BYTES, table);
        assertTrue(image.f64Instructions().isEmpty(), "double-precision instructions: " + image.f64Instructions());
        assertTrue(image.ramBytes() >= r.arenaBytes() + r.trainableWeightBytes() + r.biasBytes() + r.headBytes()
                + r.stackBytes(), "the image holds the arena, the trainable parameters and the stack: " + table);
        assertTrue(image.ramBytes() <= r.sramTotalBytes() + 512, "SRAM beyond the planner's figure: " + table);
    }
}
