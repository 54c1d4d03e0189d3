package dev.tinytrain.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.dataset.DatasetFormatException;
import dev.tinytrain.dataset.ImageDataset;
import dev.tinytrain.dataset.Preprocessor;
import dev.tinytrain.ir.importer.HeadSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Data checks, flips, the seeded head, the results JSON and the plot, without a model run. */
class FinetuneDataTest {

    private static ImageDataset grey(int n, int rows, int cols, int channels, int... labels) {
        byte[] px = new byte[n * rows * cols * channels];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 37);
        }
        return ImageDataset.of(rows, cols, channels, px, labels);
    }

    @Test
    void preparesEachImageAsTheProtocolPreprocessorDoes() throws Exception {
        ImageDataset ds = grey(3, 28, 28, 1, 0, 9, 3);
        PreparedImages p = PreparedImages.prepare(ds, "training data", -1, 10, Preprocessor.protocol(), 2);
        assertEquals(3, p.count());
        assertEquals(128 * 128 * 3, p.imageBytes());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(Preprocessor.protocol().preprocess(ds, i, false), p.image(i));
            assertEquals(ds.label(i), p.label(i));
        }
        assertEquals(2, PreparedImages.prepare(ds, "training data", 2, 10, Preprocessor.protocol(), 1).count());
    }

    @Test
    void flippingACachedTensorEqualsPreprocessingWithAFlip() {
        ImageDataset ds = grey(1, 28, 28, 1, 4);
        Preprocessor pre = Preprocessor.protocol();
        assertArrayEquals(pre.preprocess(ds, 0, true), PreparedImages.flipHorizontal(pre.preprocess(ds, 0, false), 128));
    }

    @Test
    void labelsOutsideTheHeadsClassesAreRejectedNamingTheRow() throws Exception {
        ImageDataset ds = grey(3, 28, 28, 1, 0, 10, 3);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> PreparedImages.prepare(ds, "training data", -1, 10, Preprocessor.protocol(), 1));
        assertEquals("label", e.field());
        assertTrue(e.getMessage().contains("training data row 1 has label 10, outside the head's 10 classes [0, 10)"),
                e.getMessage());
        // a label beyond the rows used does not matter
        PreparedImages.prepare(grey(3, 28, 28, 1, 0, 1, -1), "training data", 2, 10, Preprocessor.protocol(), 1);
    }

    @Test
    void imagesWithOtherThanOneOrThreeChannelsAreRejected() {
        ImageDataset ds = grey(2, 28, 28, 2, 0, 1);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> PreparedImages.prepare(ds, "test data", -1, 10, Preprocessor.protocol(), 1));
        assertEquals("image", e.field());
        assertTrue(e.getMessage().contains("test data has 2 channels per pixel"), e.getMessage());
    }

    @Test
    void askingForMoreImagesThanThereAreIsAnError() {
        ImageDataset ds = grey(2, 28, 28, 1, 0, 1);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> PreparedImages.prepare(ds, "training data", 5, 10, Preprocessor.protocol(), 1));
        assertTrue(e.getMessage().contains("has 2 images, fewer than the 5 asked for"), e.getMessage());
    }

    @Test
    void theSeededHeadIsPyTorchsDistributionAndRepeatable() {
        HeadSpec a = HeadSpec.seeded(10, 160, 7);
        HeadSpec b = HeadSpec.seeded(10, 160, 7);
        assertArrayEquals(a.weight(), b.weight());
        assertArrayEquals(a.bias(), b.bias());
        double bound = 1 / Math.sqrt(160);
        for (float w : a.weight()) {
            assertTrue(Math.abs(w) <= bound);
        }
        assertEquals(10, a.classes());
    }

    static FinetuneResult result() {
        List<Evaluation> evals = List.of(new Evaluation(1, 500, 500, 70, 100), new Evaluation(1, 1000, 1000, 80, 100),
                new Evaluation(2, 1000, 2000, 82, 100), new Evaluation(3, 500, 2500, 84, 100),
                new Evaluation(3, 1000, 3000, 86, 100));
        return new FinetuneResult(new Evaluation(0, 0, 0, 10, 100), evals, new double[] {1.0, 0.5, Double.NaN}, 0,
                3000, 3_000_000_000L, 600, 6_000_000_000L);
    }

    @Test
    void theResultsJsonHasEveryDocumentedField() throws Exception {
        FinetuneResult r = result();
        MemoryReport report = new MemoryReport("m", "s", "stm32f746", 1000, 900, .9, "greedy", 10, 20, 30, 0, 4096,
                5156, 1, 2, 3, 4, 10, 327680, 1048576, List.of(), List.of());
        RunConfig c = new RunConfig("dir", "mcunet-5fps", "abc", "mcunet-99kb", "stm32f746", "stochastic", true, 1e-3f,
                1e-3f, LearningRateSchedule.cosine(100, 3000, 0.1), 0, 128, 3, "train.arrow", 1000, "test.arrow", 100, List.of(), List.of("a", "b", "c"), null,
                10, 500, 1, false, 2, "protocol table (pixel_to_int8.json)");
        JsonNode j = new ObjectMapper().readTree(ResultsJson.write(c, report, r, 12.5));
        assertEquals("tinytrain-finetune/1", j.get("format").asText());
        assertEquals(86.0, j.get("finalTestAccuracy").asDouble(), 1e-12);
        assertEquals(85.0, j.get("epoch3CheckpointMean").asDouble(), 1e-12);
        assertEquals(2, j.get("epoch3Checkpoints").asInt());
        assertEquals(10.0, j.get("initialTestAccuracy").asDouble(), 1e-12);
        assertEquals(5, j.get("evaluations").size());
        JsonNode e0 = j.get("evaluations").get(0);
        for (String f : new String[] {"epoch", "step", "globalStep", "testAccuracy", "correct", "total"}) {
            assertTrue(e0.has(f), f);
        }
        assertTrue(j.get("epochMeanLoss").get(2).isNull());
        assertEquals(1.0, j.get("msPerStep").asDouble(), 1e-12);
        assertEquals(10.0, j.get("msPerInference").asDouble(), 1e-12);
        assertEquals(5156, j.get("sramTotalBytes").asLong());
        assertEquals(1000, j.get("arenaBytes").asLong());
        for (String f : new String[] {"nonFiniteLosses", "steps", "trainSeconds", "evalSeconds", "wallSeconds",
            "memory", "config", "environment"}) {
            assertTrue(j.has(f), f);
        }
        for (String f : new String[] {"model", "scheme", "rounding", "qas", "lr", "biasLr", "seed", "epochs",
            "trainImages", "testImages", "orders", "orderSha256", "headInit", "evalEvery", "evalEveryFrom", "hflip",
            "inputPixels"}) {
            assertTrue(j.get("config").has(f), f);
        }
        JsonNode schedule = j.get("config").get("lrSchedule");
        assertEquals("cosine", schedule.get("kind").asText());
        assertEquals(100, schedule.get("warmupSteps").asLong());
        assertEquals(3000, schedule.get("totalSteps").asLong());
        assertEquals(0.1, schedule.get("minFraction").asDouble(), 0);
    }

    @Test
    void theCheckpointMeanIsAbsentBeforeEpochThree() throws Exception {
        FinetuneResult r = new FinetuneResult(null, List.of(new Evaluation(1, 10, 10, 5, 10)), new double[] {1}, 0, 10,
                10, 10, 10);
        assertTrue(r.checkpointMean(3).isEmpty());
        assertEquals(50.0, r.finalTestAccuracy(), 1e-12);
    }

    @Test
    void thePlotIsAnSvgWithOnePointPerEvaluation() {
        String svg = AccuracyPlot.svg("a <title> & more", result(), 1000);
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), svg);
        assertTrue(svg.strip().endsWith("</svg>"));
        assertEquals(6, svg.split("<circle ", -1).length - 1);
        assertTrue(svg.contains("a &lt;title&gt; &amp; more"));
        assertEquals(2, svg.split("stroke-dasharray", -1).length - 1, "two epoch boundaries inside the run");
        assertTrue(svg.contains("final 86.00%"));
    }
}
