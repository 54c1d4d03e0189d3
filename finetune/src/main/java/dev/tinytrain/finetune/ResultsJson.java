package dev.tinytrain.finetune;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.compiler.MemoryReport;
import java.util.OptionalDouble;

/**
 * The results file of {@code tinytrain finetune} ({@code "format": "tinytrain-finetune/1"}); every field is
 * described in {@code bench/finetune.md}. Accuracies are in percent.
 */
public final class ResultsJson {
    /** The value of the {@code format} field. */
    public static final String FORMAT = "tinytrain-finetune/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsJson() {
    }

    /** The results as pretty-printed JSON text. */
    public static String write(RunConfig config, MemoryReport report, FinetuneResult result, double wallSeconds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("finalTestAccuracy", result.finalTestAccuracy());
        OptionalDouble ck3 = result.checkpointMean(3);
        if (ck3.isPresent()) {
            root.put("epoch3CheckpointMean", ck3.getAsDouble());
        } else {
            root.putNull("epoch3CheckpointMean");
        }
        root.put("epoch3Checkpoints", result.checkpoints(3));
        if (result.initial() != null) {
            root.put("initialTestAccuracy", result.initial().testAccuracy());
        } else {
            root.putNull("initialTestAccuracy");
        }
        ArrayNode evals = root.putArray("evaluations");
        for (Evaluation e : result.evaluations()) {
            ObjectNode o = evals.addObject();
            o.put("epoch", e.epoch());
            o.put("step", e.step());
            o.put("globalStep", e.globalStep());
            o.put("testAccuracy", e.testAccuracy());
            o.put("correct", e.correct());
            o.put("total", e.total());
        }
        ArrayNode loss = root.putArray("epochMeanLoss");
        for (double l : result.epochMeanLoss()) {
            if (Double.isFinite(l)) {
                loss.add(l);
            } else {
                loss.addNull();
            }
        }
        root.put("nonFiniteLosses", result.nonFiniteLosses());
        root.put("steps", result.steps());
        root.put("msPerStep", result.msPerStep());
        root.put("msPerInference", result.msPerInference());
        root.put("trainSeconds", result.trainNanos() / 1e9);
        root.put("evalSeconds", result.evalNanos() / 1e9);
        root.put("wallSeconds", wallSeconds);
        root.put("sramTotalBytes", report.sramTotalBytes());
        root.put("arenaBytes", report.arenaBytes());
        ObjectNode mem = root.putObject("memory");
        mem.put("target", report.target());
        mem.put("sramBudgetBytes", report.sramBudgetBytes());
        mem.put("sramTotalBytes", report.sramTotalBytes());
        mem.put("arenaBytes", report.arenaBytes());
        mem.put("lowerBoundBytes", report.lowerBoundBytes());
        mem.put("trainableWeightBytes", report.trainableWeightBytes());
        mem.put("biasBytes", report.biasBytes());
        mem.put("headBytes", report.headBytes());
        mem.put("masterBytes", report.masterBytes());
        mem.put("stackBytes", report.stackBytes());
        mem.put("flashBudgetBytes", report.flashBudgetBytes());
        mem.put("flashBytes", report.flashBytes());
        ObjectNode c = root.putObject("config");
        c.put("model", config.model());
        c.put("modelName", config.modelName());
        c.put("weightsSha256", config.weightsSha256());
        c.put("scheme", config.scheme());
        c.put("target", config.target());
        c.put("rounding", config.rounding());
        c.put("qas", config.qas());
        c.put("lr", config.lr());
        c.put("biasLr", config.biasLr());
        ObjectNode schedule = c.putObject("lrSchedule");
        schedule.put("kind", config.lrSchedule().name());
        if (config.lrSchedule() instanceof LearningRateSchedule.Cosine cos) {
            schedule.put("warmupSteps", cos.warmupSteps());
            schedule.put("totalSteps", cos.totalSteps());
            schedule.put("minFraction", cos.minFraction());
        }
        c.put("seed", config.seed());
        c.put("resolution", config.resolution());
        c.put("epochs", config.epochs());
        c.put("batchSize", 1);
        c.put("trainData", config.trainData());
        c.put("trainImages", config.trainImages());
        c.put("testData", config.testData());
        c.put("testImages", config.testImages());
        ArrayNode orders = c.putArray("orders");
        config.orders().forEach(orders::add);
        ArrayNode shas = c.putArray("orderSha256");
        config.orderSha256().forEach(shas::add);
        if (config.headInit() != null) {
            c.put("headInit", config.headInit());
        } else {
            c.putNull("headInit");
        }
        c.put("classes", config.classes());
        c.put("evalEvery", config.evalEvery());
        c.put("evalEveryFrom", config.evalEveryFrom());
        c.put("hflip", config.hflip());
        c.put("threads", config.threads());
        c.put("inputPixels", config.inputPixels());
        ObjectNode env = root.putObject("environment");
        env.put("javaVersion", System.getProperty("java.version"));
        env.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
