package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GlowCorpusTest {

    @Test
    void parsesAllModelsWithStepsFromLineOrder() {
        List<GlowModel> models = CorpusFiles.glowModels();
        assertEquals(79, models.size());
        assertEquals(3969, models.stream().mapToInt(m -> m.buffers().size()).sum());

        GlowModel cifar = models.get(0);
        assertEquals("cifar10_quant.tflite", cifar.name());
        assertEquals(64, cifar.alignment());
        assertEquals(40960, cifar.glowMemBytes());
        assertEquals(1.0, cifar.glowEfficiency());
        // ALLOC 1, ALLOC 2, FREE 1, ALLOC 3, FREE 2, ...: steps 0, 1, 2, 3, 4
        assertEquals(new BufferLifetime("1", 32768, 0, 2), cifar.buffers().get(0));
        assertEquals(new BufferLifetime("2", 8192, 1, 4), cifar.buffers().get(1));
        assertEquals(new BufferLifetime("3", 8192, 3, 6), cifar.buffers().get(2));
    }

    @Test
    void lowerBoundAgreesWithGlowsEfficiency() {
        for (GlowModel m : CorpusFiles.glowModels()) {
            long load = LowerBound.of(m.buffers(), m.alignment());
            assertEquals(m.glowEfficiency(), (double) load / m.glowMemBytes(), 5e-7, m.name());
        }
    }

    @Test
    void parsesInlineTextAndReportsErrorsWithLineNumbers() {
        List<GlowModel> models = GlowCorpus.parse(List.of(
                "# comment", "MODEL tiny", "ALIGN 8", "ALLOC a 3", "ALLOC b 9", "FREE a", "FREE b",
                "MEM 24", "EFF 1.0", "MODEL other", "ALIGN 4", "MEM 0"));
        assertEquals(2, models.size());
        assertEquals(List.of(new BufferLifetime("a", 3, 0, 2), new BufferLifetime("b", 9, 1, 3)),
                models.get(0).buffers());
        assertEquals(List.of(), models.get(1).buffers());
        assertTrue(Double.isNaN(models.get(1).glowEfficiency()));

        GlowCorpusFormatException unknownFree = assertThrows(GlowCorpusFormatException.class,
                () -> GlowCorpus.parse(List.of("MODEL m", "ALIGN 8", "FREE x", "MEM 0")));
        assertEquals(3, unknownFree.lineNumber());
        assertTrue(unknownFree.getMessage().contains("'x'"), unknownFree.getMessage());
        assertThrows(GlowCorpusFormatException.class,
                () -> GlowCorpus.parse(List.of("MODEL m", "ALIGN 8", "ALLOC x 1", "MEM 0")));
        assertThrows(GlowCorpusFormatException.class,
                () -> GlowCorpus.parse(List.of("MODEL m", "ALIGN 8", "ALLOC x 1", "ALLOC x 1")));
        assertThrows(GlowCorpusFormatException.class, () -> GlowCorpus.parse(List.of("ALIGN 8")));
        assertThrows(GlowCorpusFormatException.class, () -> GlowCorpus.parse(List.of("MODEL m", "MEM 4")));
        assertThrows(GlowCorpusFormatException.class,
                () -> GlowCorpus.parse(List.of("MODEL m", "ALIGN 8", "ALLOC x big")));
        assertThrows(GlowCorpusFormatException.class, () -> GlowCorpus.parse(List.of("MODEL m", "PUSH 1")));
    }
}
