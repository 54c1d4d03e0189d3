package dev.tinytrain.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.ops.BandRegion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three presets with the frozen prefix in row bands (the default on the STM32F746) and without: exact arena,
 * forward and backward peaks, and the region chosen (line buffers, no recomputed MAC). With the backward streamed
 * channel by channel too ({@link ChannelStreamingTest}), the arena is the forward's peak: the image and the line
 * buffers while the region runs.
 */
class PresetStreamingTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "mcunet-5fps, mcunet-99kb, 163844, 65604, 58156, first_conv, blocks[3].pointwise1",
        "mbv2-w0.35, mbv2-99kb, 229380, 67124, 46636, first_conv, blocks[1].depthwise",
        "proxyless-w0.3, proxyless-98kb, 131076, 67164, 38188, first_conv, blocks[3].pointwise1"})
    void streamedPresetFigures(String model, String scheme, long wholeArena, long arena, long backwardPeak,
                               String first, String last) {
        CompileOptions o = CompileOptions.preset(scheme, 1e-3f);
        MemoryReport whole = Compiler.compileUnchecked(CompilerTest.model(model), Target.STM32F746,
                o.withStreamPrefix(false)).report();
        CompiledModel c = Compiler.compileUnchecked(CompilerTest.model(model), Target.STM32F746, o);
        MemoryReport r = c.report();
        assertEquals(wholeArena, whole.arenaBytes());
        assertTrue(whole.bandRegions().isEmpty());
        assertEquals(arena, r.arenaBytes());
        assertEquals(r.lowerBoundBytes(), r.arenaBytes());
        assertEquals(arena, r.forwardPeakBytes());
        assertEquals(backwardPeak, r.backwardPeakBytes());
        assertEquals(1, r.bandRegions().size());
        BandRegionEntry b = r.bandRegions().get(0);
        assertEquals(first, b.layers().get(0));
        assertEquals(last, b.layers().get(b.layers().size() - 1));
        assertEquals(0, b.recomputedMacs());
        assertTrue(b.workspaceBytes() < b.wholeBytes() / 5, b.workspaceBytes() + " of " + b.wholeBytes());
        assertTrue(c.step().graph().nodes().get(0).op() instanceof BandRegion);
        assertEquals("band-lines", r.tensors().stream().filter(t -> t.buffer().endsWith(".lines")).findFirst()
                .orElseThrow().kind());
    }
}
