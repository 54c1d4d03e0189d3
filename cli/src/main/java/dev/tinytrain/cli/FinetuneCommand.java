package dev.tinytrain.cli;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.BudgetExceededException;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.output.LoadedModel;
import dev.tinytrain.compiler.report.Units;
import dev.tinytrain.dataset.ArrowDatasets;
import dev.tinytrain.dataset.DatasetFormatException;
import dev.tinytrain.dataset.ImageDataset;
import dev.tinytrain.dataset.Preprocessor;
import dev.tinytrain.dataset.TrainingOrder;
import dev.tinytrain.fileio.OutputFiles;
import dev.tinytrain.finetune.AccuracyPlot;
import dev.tinytrain.finetune.FinetuneResult;
import dev.tinytrain.finetune.InputPixels;
import dev.tinytrain.finetune.Finetuner;
import dev.tinytrain.finetune.LearningRateSchedule;
import dev.tinytrain.finetune.PreparedImages;
import dev.tinytrain.finetune.ResultsJson;
import dev.tinytrain.finetune.RunConfig;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tinytrain finetune}: compiles a model's training step for the target (the plan the C backend emits),
 * trains it on the JVM one image at a time, evaluates test accuracy, and writes the results JSON and a plot.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a model with its compiled int8 training step (batch 1) on an Arrow image dataset.",
            "Evaluates test accuracy after each epoch and every K steps; progress on stderr, a summary on stdout,"
                    + " results in --out (JSON, fields in bench/finetune.md) and --plot (SVG)."})
final class FinetuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|DIR|FILE", description = ModelInputs.MODEL_HELP)
    String model;

    @Option(names = "--scheme", required = true, paramLabel = "NAME",
            description = ModelInputs.SCHEME_HELP)
    String scheme;

    @Option(names = "--data", required = true, paramLabel = "FILE.arrow",
            description = "training images (Arrow IPC/Feather: image FixedSizeBinary, label int32)")
    Path data;

    @Option(names = "--test-data", paramLabel = "FILE.arrow",
            description = "test images (default: the images of --data after the first --train-limit)")
    Path testData;

    @Option(names = "--train-limit", paramLabel = "N", description = "train on the first N images (default: all)")
    Integer trainLimit;

    @Option(names = "--test-limit", paramLabel = "N", description = "test on the first N test images (default: all)")
    Integer testLimit;

    @Option(names = "--epochs", paramLabel = "E",
            description = "epochs (default: the number of --order files, else 1)")
    Integer epochs;

    @Option(names = "--order", split = ",", paramLabel = "FILE",
            description = "order files, one per epoch (little-endian int32 permutations, e.g. the protocol's"
                    + " perm_n2000_epoch1.i32); default: seeded shuffles (--seed)")
    List<Path> orders = new ArrayList<>();

    @Option(names = "--head-init", paramLabel = "FILE",
            description = "head initialisation (W [K,C] then b [K], float32 LE; the protocol's head-init/<model>.bin);"
                    + " default: seeded uniform(+-1/sqrt(C)) like PyTorch's Linear")
    Path headInit;

    @Option(names = "--classes", defaultValue = "10", paramLabel = "K",
            description = "classes of the default head (default: ${DEFAULT-VALUE}; --head-init sets its own)")
    int classes;

    @Mixin
    TrainingFlags update;

    @Option(names = "--lr-schedule", defaultValue = "constant", paramLabel = "KIND",
            description = "learning-rate schedule over the whole run: constant (the --lr / --bias-lr rates at every"
                    + " step) or cosine (linear warm-up over --warmup-steps, then cosine decay to --min-lr-fraction of"
                    + " the rates at the last step); each step's rates are lr * factor in float32, as in C's"
                    + " tt_set_lr_scale (default: ${DEFAULT-VALUE})")
    String lrSchedule;

    @Option(names = "--warmup-steps", defaultValue = "0", paramLabel = "N",
            description = "cosine schedule: steps of linear warm-up (default: ${DEFAULT-VALUE})")
    long warmupSteps;

    @Option(names = "--min-lr-fraction", defaultValue = "0", paramLabel = "F",
            description = "cosine schedule: the factor of the last step, in [0, 1] (default: ${DEFAULT-VALUE})")
    double minLrFraction;

    @Option(names = "--eval-every", defaultValue = "0", paramLabel = "K",
            description = "also evaluate after every K steps of an epoch (default: only after each epoch)")
    int evalEvery;

    @Option(names = "--eval-every-from", defaultValue = "1", paramLabel = "E",
            description = "make the --eval-every checkpoints from epoch E on; earlier epochs are evaluated at their end"
                    + " only (default: ${DEFAULT-VALUE}; the full protocol needs 3)")
    int evalEveryFrom;

    @Option(names = "--no-initial-eval", description = "skip the evaluation before training")
    boolean noInitialEval;

    @Option(names = "--resolution", defaultValue = "128", paramLabel = "R",
            description = "network input size; images are resized to R x R (default: ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "seed of stochastic rounding, shuffles, default head and flips (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--hflip", description = "mirror each training image left-right with probability 1/2")
    boolean hflip;

    @Option(names = "--input-range", split = ",", paramLabel = "LOW,HIGH",
            description = "real values of pixels 0 and 255, quantized with the model's input scale and zero point;"
                    + " default: the protocol's pixel table for the authors' models, -1,1 for a .tflite model")
    List<Double> inputRange;

    @Option(names = "--target", defaultValue = "stm32f746", paramLabel = "NAME",
            description = "memory budgets the plan must fit: stm32f746, tte-256kb, host (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--threads", paramLabel = "T", description = "evaluation and preprocessing threads (default: all"
            + " processors)")
    Integer threads;

    @Option(names = "--out", paramLabel = "FILE.json", description = "write the results JSON here (atomically)")
    Path out;

    @Option(names = "--plot", paramLabel = "FILE.svg", description = "write a plot of test accuracy over steps")
    Path plot;

    @Override
    public Integer call() {
        long wallStart = System.nanoTime();
        PrintWriter stdout = spec.commandLine().getOut();
        TrainingFlags.Checked upd = update.check();
        String mode = upd.rounding();
        float lr = upd.lr();
        boolean noQas = !upd.qas();
        if (evalEvery < 0) {
            throw new IllegalArgumentException("--eval-every must be >= 0, got " + evalEvery);
        }
        if (trainLimit != null && trainLimit < 1 || testLimit != null && testLimit < 1) {
            throw new IllegalArgumentException("--train-limit and --test-limit must be >= 1");
        }
        int nEpochs = epochs != null ? epochs : Math.max(1, orders.size());
        if (nEpochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + nEpochs);
        }
        if (!orders.isEmpty() && orders.size() != nEpochs) {
            throw new IllegalArgumentException("--order gives " + orders.size() + " file(s) for " + nEpochs
                    + " epoch(s): give one per epoch");
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1");
        }
        Target tgt = Target.byName(target);
        List<Path> inputs = new ArrayList<>(ModelInputs.inputs(model, scheme, headInit));
        inputs.add(data);
        inputs.addAll(orders);
        if (testData != null) {
            inputs.add(testData);
        }
        OutputFiles.checkWritable(inputs, out, plot); // before training, not after it
        float bLr = upd.biasLr();
        try {
            // model and head first: the head fixes the classes the labels must lie in
            LoadedModel m = ModelInputs.load(model, resolution, headInit, classes, seed);
            // the graph's own input size: --resolution, or the fixed input of an IR JSON or TFLite model
            int size = m.graph().inputs().get(0).type().shape().dim(1);
            ImageDataset trainSet = readArrow(data);
            ImageDataset testSet;
            int testFrom = 0;
            if (testData != null) {
                testSet = readArrow(testData);
            } else {
                if (trainLimit == null || trainLimit >= trainSet.count()) {
                    throw new IllegalArgumentException("no test images: give --test-data, or a --train-limit below the "
                            + trainSet.count() + " images of " + data + " to test on the rest");
                }
                testSet = trainSet;
                testFrom = trainLimit;
            }
            if (testSet.rows() != trainSet.rows() || testSet.cols() != trainSet.cols()
                    || testSet.channels() != trainSet.channels()) {
                throw new UncheckedIOException(new DatasetFormatException(testSet.source()
                        .orElse(null), "image", String.format(Locale.ROOT, "test images are %dx%dx%d but the training"
                        + " images (%s) are %dx%dx%d", testSet.rows(), testSet.cols(), testSet.channels(), data,
                        trainSet.rows(), trainSet.cols(), trainSet.channels())));
            }
            if (trainLimit != null && trainLimit > trainSet.count()) {
                throw new UncheckedIOException(new DatasetFormatException(data, "rows", String.format(Locale.ROOT,
                        "training data has %,d images, fewer than the %,d of --train-limit", trainSet.count(),
                        trainLimit)));
            }
            int nTrain = trainLimit != null ? trainLimit : trainSet.count();
            List<TrainingOrder> ords = new ArrayList<>();
            if (orders.isEmpty()) {
                ords.addAll(TrainingOrder.seededEpochs(nTrain, seed, nEpochs));
            } else {
                for (Path f : orders) {
                    ords.add(TrainingOrder.read(f, nTrain));
                }
            }
            LearningRateSchedule schedule = schedule(ords.stream().mapToLong(TrainingOrder::size).sum());
            TrainingOptions training = new TrainingOptions(lr, bLr, mode, !noQas, (int) seed);
            CompiledModel compiled;
            try {
                compiled = Compiler.compile(m.graph(), tgt, ModelInputs.options(scheme, training));
            } catch (BudgetExceededException e) {
                String hint = mode.equals("float_master") && e.report().masterBytes() > 0
                        ? " (float_master keeps float32 master copies of the trained int8 weights and int32 biases;"
                        + " to simulate it on the JVM anyway pass --target host)" : "";
                throw new BudgetExceededException(e.getMessage() + hint, e.report());
            }
            MemoryReport report = compiled.report();
            String sramBudget = report.sramBudgetBytes() == Units.UNBOUNDED ? "no budget"
                    : String.format(Locale.ROOT, "of %,d", report.sramBudgetBytes());
            System.err.printf(Locale.ROOT, "compiled %s, scheme %s, %s%s, for %s: SRAM %,d B %s (arena %,d B),"
                            + " Flash %,d B%n", m.graph().name(), scheme, mode, noQas ? ", no QAS" : ", QAS", tgt.name(),
                    report.sramTotalBytes(), sramBudget, report.arenaBytes(), report.flashBytes());

            InputPixels pixels = InputPixels.forModel(m, inputRange == null ? null
                    : inputRange.stream().mapToDouble(Double::doubleValue).toArray());
            Preprocessor pre = new Preprocessor(size, pixels.table());
            long inputBytes = compiled.step().input().type().elementCount();
            if (inputBytes != pre.outputSize()) {
                throw new IllegalArgumentException("the model's input has " + inputBytes + " int8 values but"
                        + " preprocessing makes " + size + "x" + size + "x3 = " + pre.outputSize());
            }
            long t0 = System.nanoTime();
            PreparedImages train = PreparedImages.prepare(trainSet, "training data", trainLimit == null ? -1
                    : trainLimit, m.classes(), pre, nThreads);
            PreparedImages test = testFrom == 0
                    ? PreparedImages.prepare(testSet, "test data", testLimit == null ? -1 : testLimit, m.classes(),
                            pre, nThreads)
                    : PreparedImages.prepare(tail(testSet, testFrom), data, "test data (the held-out images of --data"
                            + " from row " + testFrom + ")",
                            testLimit == null ? -1 : testLimit, m.classes(), pre, nThreads);
            System.err.printf(Locale.ROOT, "preprocessed %,d training and %,d test images to %dx%dx3 int8 in %.1f s%n",
                    train.count(), test.count(), size, size, (System.nanoTime() - t0) / 1e9);

            FinetuneResult result = Finetuner.run(compiled, train, test,
                    new Finetuner.Plan(ords, evalEvery, evalEveryFrom, !noInitialEval, hflip, seed, nThreads,
                            schedule),
                    ConsoleProgress.stderr());

            double wall = (System.nanoTime() - wallStart) / 1e9;
            RunConfig config = new RunConfig(model, m.graph().name(), m.digest(), scheme, tgt.name(), mode,
                    !noQas, lr, bLr, schedule, seed, size, nEpochs, data.toString(), train.count(),
                    testData != null ? testData.toString() : data + " (held out from image " + testFrom + ")",
                    test.count(), orders.stream().map(Path::toString).toList(),
                    ords.stream().map(TrainingOrder::sha256).toList(), headInit == null ? null : headInit.toString(),
                    m.classes(), evalEvery, evalEveryFrom, hflip, nThreads, pixels.description());
            if (out != null) {
                OutputFiles.writeString(out, ResultsJson.write(config, report, result, wall), inputs);
            }
            if (plot != null) {
                String title = String.format(Locale.ROOT, "%s %s, %s%s, lr %s", m.graph().name(), scheme, mode,
                        noQas ? ", no QAS" : ", QAS", lr);
                OutputFiles.writeString(plot, AccuracyPlot.svg(title, result, train.count()), inputs);
            }
            stdout.printf(Locale.ROOT, "final test accuracy %.2f%% (%,d/%,d) after %,d steps%n",
                    result.finalTestAccuracy(), result.last().correct(), result.last().total(), result.steps());
            result.checkpointMean(3).ifPresent(v -> stdout.printf(Locale.ROOT,
                    "epoch-3 checkpoint mean %.2f%% (%d evaluations)%n", v, result.checkpoints(3)));
            stdout.printf(Locale.ROOT, "SRAM %,d B (arena %,d B), %.2f ms/step, %.2f ms/inference on the JVM,"
                            + " wall %.1f s%n", report.sramTotalBytes(), report.arenaBytes(), result.msPerStep(),
                    result.msPerInference(), wall);
            if (result.nonFiniteLosses() > 0) {
                stdout.printf(Locale.ROOT, "warning: %,d steps had a non-finite loss%n", result.nonFiniteLosses());
            }
            if (out != null) {
                stdout.printf(Locale.ROOT, "wrote %s%n", out);
            }
            if (plot != null) {
                stdout.printf(Locale.ROOT, "wrote %s%n", plot);
            }
            stdout.flush();
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * The {@code --lr-schedule} of a run of {@code totalSteps} steps.
     *
     * @throws IllegalArgumentException naming the option at fault
     */
    private LearningRateSchedule schedule(long totalSteps) {
        switch (lrSchedule.toLowerCase(Locale.ROOT)) {
            case "constant" -> {
                if (warmupSteps != 0 || minLrFraction != 0) {
                    throw new IllegalArgumentException("--warmup-steps and --min-lr-fraction need --lr-schedule"
                            + " cosine");
                }
                return LearningRateSchedule.constant();
            }
            case "cosine" -> {
                if (warmupSteps < 0 || warmupSteps >= totalSteps) {
                    throw new IllegalArgumentException("--warmup-steps must be in [0, " + totalSteps
                            + ") (the run has " + totalSteps + " steps), got " + warmupSteps);
                }
                if (!(minLrFraction >= 0 && minLrFraction <= 1)) {
                    throw new IllegalArgumentException("--min-lr-fraction must be in [0, 1], got " + minLrFraction);
                }
                return LearningRateSchedule.cosine(warmupSteps, totalSteps, minLrFraction);
            }
            default -> throw new IllegalArgumentException("--lr-schedule must be constant or cosine, got '"
                    + lrSchedule + "'");
        }
    }

    /** Accepts {@code float_master}, {@code FLOAT_MASTER} and {@code float-master}. */
    static String normaliseRounding(String s) {
        String m = s.toLowerCase(Locale.ROOT).replace('-', '_');
        if (!SgdUpdate.ROUNDING_MODES.contains(m)) {
            throw new IllegalArgumentException("--rounding must be one of " + SgdUpdate.ROUNDING_MODES + ", got '" + s
                    + "'");
        }
        return m;
    }

    private static ImageDataset tail(ImageDataset ds, int from) {
        int n = ds.count() - from;
        int size = ds.imageSize();
        byte[] px = new byte[n * size];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ds.imageInto(from + i, px, i * size);
            labels[i] = ds.label(from + i);
        }
        return ImageDataset.of(ds.rows(), ds.cols(), ds.channels(), px, labels);
    }

    static ImageDataset readArrow(Path file) throws IOException {
        try {
            return ArrowDatasets.read(file);
        } catch (IllegalStateException e) {
            // Arrow without --add-opens=java.base/java.nio=ALL-UNNAMED: the message says how to fix it
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
