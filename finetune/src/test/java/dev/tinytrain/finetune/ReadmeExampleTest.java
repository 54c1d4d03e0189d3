package dev.tinytrain.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.dataset.ArrowDatasets;
import dev.tinytrain.dataset.ImageDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's fine-tuning example ({@link ReadmeExample}) on small Arrow files written here. */
class ReadmeExampleTest {
    private static final int TRAIN = 24;
    private static final int TEST = 10;

    @TempDir
    Path tmp;

    @Test
    void theReadmeExampleFineTunesTheShippedModel() throws IOException {
        Path train = tmp.resolve("train.arrow");
        Path test = tmp.resolve("test.arrow");
        ArrowDatasets.write(stripes(TRAIN, 1), train);
        ArrowDatasets.write(stripes(TEST, 2), test);
        Path plot = tmp.resolve("accuracy.svg");

        FinetuneResult r = ReadmeExample.fineTune(train, test, plot);

        assertEquals(TRAIN, r.steps());
        assertNotNull(r.initial(), "the plan evaluates before training");
        assertEquals(1, r.evaluations().size(), "one epoch, evaluated at its end");
        assertEquals(TEST, r.last().total());
        assertEquals(0, r.nonFiniteLosses());
        assertTrue(Double.isFinite(r.epochMeanLoss()[0]) && r.epochMeanLoss()[0] > 0, "mean loss "
                + r.epochMeanLoss()[0]);
        String svg = Files.readString(plot);
        assertTrue(svg.startsWith("<svg") || svg.startsWith("<?xml"), svg.substring(0, 40));
    }

    /** 28x28 grey images of class k: horizontal stripes with period 2 + k, offset by the image index. */
    private static ImageDataset stripes(int n, int offset) {
        int rows = 28;
        int cols = 28;
        byte[] px = new byte[n * rows * cols];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = i % 10;
            labels[i] = k;
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    px[(i * rows + y) * cols + x] = (byte) (((y + i * offset) / (2 + k)) % 2 == 0 ? 230 : 20);
                }
            }
        }
        return ImageDataset.of(rows, cols, 1, px, labels);
    }
}
