package dev.tinytrain.cli.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinytrain.ir.SharedFolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tinytrain dataset idx-to-arrow} and {@code tinytrain finetune} end to end on small synthetic IDX data:
 * a run writes its JSON and plot; bad data and a plan that does not fit exit with 1 and one clear message.
 *
 * <p>Arrow needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED}, which this module's test JVM does not have,
 * so each command runs in a child JVM on the test classpath, with the flag, as the {@code ./tinytrain} launcher
 * runs it.
 */
class FinetuneCommandTest {
    @TempDir
    static Path tmp;
    static String model;
    static Path train;
    static Path test;

    record Result(int exit, String out, String err) {
    }

    static Result tinytrain(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xss8m", "-cp", System.getProperty("java.class.path"),
                "dev.tinytrain.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tinytrain " + String.join(" ", args) + " took over 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** An IDX image file (gzipped) of n images rows x cols, and its label file. */
    static Path[] idx(String name, int n, int rows, int cols, int... labels) throws IOException {
        ByteBuffer img = ByteBuffer.allocate(16 + n * rows * cols);
        img.putInt(0x803).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < n * rows * cols; i++) {
            img.put((byte) ((i * 31) ^ (i / (rows * cols)) * 77));
        }
        ByteBuffer lab = ByteBuffer.allocate(8 + n);
        lab.putInt(0x801).putInt(n);
        for (int l : labels) {
            lab.put((byte) l);
        }
        Path pi = tmp.resolve(name + "-images-idx3-ubyte.gz");
        Path pl = tmp.resolve(name + "-labels-idx1-ubyte");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(img.array());
        }
        Files.write(pi, bos.toByteArray());
        Files.write(pl, lab.array());
        return new Path[] {pi, pl};
    }

    static Path arrow(String name, int n, int rows, int cols, int... labels) throws Exception {
        Path[] f = idx(name, n, rows, cols, labels);
        Path out = tmp.resolve(name + ".arrow");
        Result r = tinytrain("dataset", "idx-to-arrow", "--images", f[0].toString(), "--labels", f[1].toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote " + n + " images of " + rows + "x" + cols + "x1 with labels to"), r.out());
        return out;
    }

    @BeforeAll
    static void data() throws Exception {
        model = "mcunet-5fps"; // the shipped model
        train = arrow("train", 12, 28, 28, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1);
        test = arrow("test", 6, 28, 28, 9, 8, 7, 6, 5, 4);
    }

    @Test
    void aRunWritesItsResultsAndPlot() throws Exception {
        Path json = tmp.resolve("results/run.json");
        Path svg = tmp.resolve("results/run.svg");
        Result r = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data",
                train.toString(), "--test-data", test.toString(), "--epochs", "2", "--eval-every", "5", "--lr", "0.003",
                "--out", json.toString(), "--plot", svg.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("final test accuracy"), r.out());
        assertTrue(r.err().contains("eval  epoch 2 step 12 (global 24)"), r.err());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        // epochs of 12 steps, every 5: 5, 10, 12 in each
        assertEquals(6, j.get("evaluations").size());
        assertEquals(24, j.get("steps").asInt());
        assertEquals(j.get("evaluations").get(5).get("testAccuracy").asDouble(), j.get("finalTestAccuracy").asDouble());
        assertTrue(j.get("sramTotalBytes").asLong() > 0 && j.get("sramTotalBytes").asLong() <= 320 * 1024);
        assertTrue(j.get("epoch3CheckpointMean").isNull());
        assertEquals("stochastic", j.get("config").get("rounding").asText());
        assertEquals(2, j.get("config").get("orderSha256").size());
        assertTrue(Files.readString(svg).contains("</svg>"));
    }

    @Test
    void aCosineScheduleIsRecordedAndChangesTheRun() throws Exception {
        Path cosine = tmp.resolve("results/cosine.json");
        Path constant = tmp.resolve("results/constant.json");
        Result r = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data", train.toString(),
                "--test-data", test.toString(), "--epochs", "2", "--lr", "0.05", "--lr-schedule", "cosine",
                "--warmup-steps", "3", "--min-lr-fraction", "0.1", "--no-initial-eval", "--out", cosine.toString());
        assertEquals(0, r.exit(), r.err());
        Result c = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data", train.toString(),
                "--test-data", test.toString(), "--epochs", "2", "--lr", "0.05", "--no-initial-eval", "--out",
                constant.toString());
        assertEquals(0, c.exit(), c.err());
        JsonNode j = new ObjectMapper().readTree(cosine.toFile());
        JsonNode schedule = j.get("config").get("lrSchedule");
        assertEquals("cosine", schedule.get("kind").asText());
        assertEquals(3, schedule.get("warmupSteps").asLong());
        assertEquals(24, schedule.get("totalSteps").asLong(), "two epochs of 12 images");
        assertEquals(0.1, schedule.get("minFraction").asDouble(), 0);
        JsonNode k = new ObjectMapper().readTree(constant.toFile());
        assertEquals("constant", k.get("config").get("lrSchedule").get("kind").asText());
        assertTrue(j.get("epochMeanLoss").get(0).asDouble() != k.get("epochMeanLoss").get(0).asDouble(),
                "the schedule should change the losses of the first epoch");

        Result bad = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data", train.toString(),
                "--test-data", test.toString(), "--lr-schedule", "cosine", "--warmup-steps", "12");
        assertEquals(1, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--warmup-steps must be in [0, 12)"), bad.err());
        Result unknown = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data",
                train.toString(), "--test-data", test.toString(), "--lr-schedule", "step");
        assertEquals(1, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("--lr-schedule must be constant or cosine, got 'step'"), unknown.err());
    }

    /**
     * A {@code .tflite} model is fed its own input quantization (pixels as [-1, 1] by default), the authors' model
     * the protocol's table; {@code --input-range} reaches the preprocessing (other inputs, other losses) and is
     * checked.
     */
    @Test
    void anImportedModelIsFedItsOwnInputQuantization() throws Exception {
        String tflite = SharedFolder.require().resolve("tflite/mcunet-5fps-int8.tflite").toString();
        Path byDefault = tmp.resolve("results/tflite-default.json");
        Path unit = tmp.resolve("results/tflite-unit.json");
        Path nativeRun = tmp.resolve("results/native.json");
        String[] common = {"finetune", "--scheme", "head-only", "--data", train.toString(), "--test-data",
            test.toString(), "--lr", "0.003", "--no-initial-eval"};
        Result d = tinytrain(concat(common, "--model", tflite, "--out", byDefault.toString()));
        assertEquals(0, d.exit(), d.err());
        Result u = tinytrain(concat(common, "--model", tflite, "--input-range", "0,1", "--out", unit.toString()));
        assertEquals(0, u.exit(), u.err());
        Result n = tinytrain(concat(common, "--model", model, "--out", nativeRun.toString()));
        assertEquals(0, n.exit(), n.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode jd = json.readTree(byDefault.toFile());
        JsonNode ju = json.readTree(unit.toFile());
        assertEquals("pixels 0..255 as [-1, 1], quantized with the model's input scale 0.00784293469041586 and zero"
                + " point 0", jd.get("config").get("inputPixels").asText());
        assertEquals("pixels 0..255 as [0, 1], quantized with the model's input scale 0.00784293469041586 and zero"
                + " point 0", ju.get("config").get("inputPixels").asText());
        assertTrue(jd.get("epochMeanLoss").get(0).asDouble() != ju.get("epochMeanLoss").get(0).asDouble(),
                "another pixel range should change the losses");
        assertEquals("protocol table (pixel_to_int8.json)",
                json.readTree(nativeRun.toFile()).get("config").get("inputPixels").asText());

        Result bad = tinytrain(concat(common, "--model", tflite, "--input-range", "1,0"));
        assertEquals(1, bad.exit(), bad.err());
        assertTrue(bad.err().contains("the pixel range needs finite low < high, got [1.0, 0.0]"), bad.err());
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    @Test
    void labelsOutsideTheHeadsClassesAreAClearError() throws Exception {
        Path bad = arrow("badlabels", 4, 28, 28, 0, 1, 12, 3);
        Result r = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data", bad.toString(),
                "--test-data", test.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("tinytrain: error: " + bad + ": label: training data row 2 has label 12, outside"
                + " the head's 10 classes [0, 10)"), r.err());
    }

    @Test
    void aFileThatIsNotArrowIsAClearError() throws Exception {
        Path notArrow = idx("raw", 2, 28, 28, 0, 1)[1];
        Result r = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data",
                notArrow.toString(), "--test-data", test.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("tinytrain: error: " + notArrow + ": "), r.err());
        assertTrue(r.err().lines().count() == 1, r.err());
    }

    @Test
    void testImagesOfAnotherSizeAreAClearError() throws Exception {
        Path small = arrow("small", 3, 14, 14, 0, 1, 2);
        Result r = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data",
                train.toString(), "--test-data", small.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("test images are 14x14x1 but the training images (" + train + ") are 28x28x1"),
                r.err());
    }

    @Test
    void aPlanThatDoesNotFitTheTargetFailsWithTheCompilersMessage() throws Exception {
        Result r = tinytrain("finetune", "--model", model, "--scheme", "mcunet-99kb", "--rounding",
                "FLOAT_MASTER", "--data", train.toString(), "--test-data", test.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("SRAM budget of stm32f746 is 327,680 B but the step needs"), r.err());
        assertTrue(r.err().contains("pass --target host"), r.err());
    }

    @Test
    void anOrderPerEpochIsRequired() throws Exception {
        Path order = tmp.resolve("order.i32");
        ByteBuffer b = ByteBuffer.allocate(48).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 11; i >= 0; i--) {
            b.putInt(i);
        }
        Files.write(order, b.array());
        Result r = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data",
                train.toString(), "--test-data", test.toString(), "--epochs", "2", "--order", order.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("--order gives 1 file(s) for 2 epoch(s)"), r.err());
        Result wrongLength = tinytrain("finetune", "--model", model, "--scheme", "head-only", "--data",
                train.toString(), "--test-data", test.toString(), "--train-limit", "10", "--order", order.toString());
        assertEquals(1, wrongLength.exit(), wrongLength.err());
        assertTrue(wrongLength.err().contains("expected N = 10"), wrongLength.err());
    }
}
