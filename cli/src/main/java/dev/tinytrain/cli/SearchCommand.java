package dev.tinytrain.cli;

import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.output.LoadedModel;
import dev.tinytrain.compiler.output.SchemeSource;
import dev.tinytrain.dataset.ImageDataset;
import dev.tinytrain.dataset.Preprocessor;
import dev.tinytrain.dataset.TrainingOrder;
import dev.tinytrain.fileio.OutputFiles;
import dev.tinytrain.finetune.InputPixels;
import dev.tinytrain.finetune.PreparedImages;
import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.PolicyJson;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import dev.tinytrain.search.AnalysisListener;
import dev.tinytrain.search.AnalysisSettings;
import dev.tinytrain.search.CompilerMemory;
import dev.tinytrain.search.ContributionAnalysis;
import dev.tinytrain.search.ContributionEstimates;
import dev.tinytrain.search.ContributionTable;
import dev.tinytrain.search.EvolutionarySearch;
import dev.tinytrain.search.FrontRemeasurement;
import dev.tinytrain.search.MeasuredRefinement;
import dev.tinytrain.search.ScoredScheme;
import dev.tinytrain.search.SearchResult;
import dev.tinytrain.search.SearchSettings;
import dev.tinytrain.search.Shrinkage;
import dev.tinytrain.search.TrialLog;
import dev.tinytrain.search.TrialRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tinytrain search}: contribution analysis of the model on the data with the compiled int8 step, then the
 * evolutionary search of the sparse-update scheme with the most predicted gain whose compiled step fits the SRAM
 * budget and the target's Flash; writes it as a policy JSON every command and the Maven goal accept.
 */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search a sparse-update scheme for a memory budget: contribution analysis (short fine-tunes"
                + " with the compiled int8 step), then evolutionary search with the compiler as the memory model.",
            "Progress and time left on stderr; the Pareto front and the chosen scheme on stdout; the scheme in --out"
                    + " (tinytrain-sparse-update/1, for --scheme of compile, report, finetune and the Maven goal)."})
final class SearchCommand implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|K|KIB|MB|M|MIB)?",
            Pattern.CASE_INSENSITIVE);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|DIR|FILE", description = ModelInputs.MODEL_HELP)
    String model;

    @Option(names = "--data", required = true, paramLabel = "FILE.arrow",
            description = "training images (Arrow IPC/Feather: image FixedSizeBinary, label int32)")
    Path data;

    @Option(names = "--val-data", paramLabel = "FILE.arrow",
            description = "validation images the trials are scored on (default: the --val-limit images of --data"
                    + " after the first --train-limit); never the test set you compare the result on")
    Path valData;

    @Option(names = "--budget-sram", required = true, paramLabel = "BYTES|NKB",
            description = "the compiled step's SRAM total must fit this: bytes, or with KB/MB (x1024)")
    String budgetSram;

    @Option(names = "--target", defaultValue = "stm32f746", paramLabel = "NAME",
            description = "Flash budget, stack and code reserve: stm32f746, tte-256kb, host"
                    + " (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--trial-steps", paramLabel = "N", description = "training steps of each trial (default: "
            + AnalysisSettings.DEFAULT_STEPS + ")")
    int trialSteps = AnalysisSettings.DEFAULT_STEPS;

    @Option(names = "--val-limit", paramLabel = "N", description = "validation images each trial is scored on"
            + " (default: " + AnalysisSettings.DEFAULT_VALIDATION_IMAGES + ")")
    int valLimit = AnalysisSettings.DEFAULT_VALIDATION_IMAGES;

    @Option(names = "--train-limit", defaultValue = "2000", paramLabel = "N",
            description = "trials draw their images from the first N of --data (default: ${DEFAULT-VALUE})")
    int trainLimit;

    @Option(names = "--repeats", defaultValue = "" + AnalysisSettings.DEFAULT_REPEATS, paramLabel = "R",
            description = "trials per measurement, seeds S..S+R-1; gains are their mean, with a standard error when"
                    + " R >= 2 (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--bias-window", paramLabel = "K", description = "measure the last K convs: bias windows 1, 2, 4,"
            + " ..., K and the weights inside; the weight gains are over the biases of the last K"
            + " (default: every conv)")
    Integer biasWindow;

    @Option(names = "--ratios", split = ",", paramLabel = "R", description = "channel ratios measured per layer"
            + " (default: 0.125,0.25,0.5,1)")
    List<Double> ratios = new ArrayList<>(AnalysisSettings.PAPER_RATIOS);

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
            description = "trials (and candidate compiles) run at once, each with its own session"
                    + " (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--records", paramLabel = "FILE.jsonl", description = "append each trial's record here and"
            + " resume from the records already there (default: in memory only)")
    Path records;

    @Option(names = "--out", paramLabel = "FILE.json", description = "write the chosen scheme here (required unless"
            + " --shard)")
    Path out;

    @Option(names = "--shard", paramLabel = "I/N", description = "run only shard I of N of the trials (positions"
            + " p with p mod N = I) into --records, then stop: one machine's share; concatenate the records files and"
            + " run without --shard to search")
    String shard;

    @Option(names = "--head-init", paramLabel = "FILE", description = "head initialisation (as finetune)")
    Path headInit;

    @Option(names = "--classes", defaultValue = "10", paramLabel = "K", description = "classes of the default head"
            + " (default: ${DEFAULT-VALUE})")
    int classes;

    @Mixin
    TrainingFlags training;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "seed of the trials (orders, rounding, default head) and of the search"
                    + " (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--resolution", defaultValue = "128", paramLabel = "R", description = "network input R x R"
            + " (default: ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--population", defaultValue = "" + SearchSettings.DEFAULT_POPULATION, paramLabel = "P",
            description = "candidates per generation (default: ${DEFAULT-VALUE})")
    int population;

    @Option(names = "--generations", defaultValue = "" + SearchSettings.DEFAULT_GENERATIONS, paramLabel = "G",
            description = "generations (default: ${DEFAULT-VALUE})")
    int generations;

    @Option(names = "--shrink", defaultValue = "" + Shrinkage.DEFAULT_Z, paramLabel = "Z",
            description = "shrink each measured gain towards 0 by Z standard errors before the search sums them"
                    + " (a gain within Z of 0 is dropped; needs --repeats >= 2; 0: use the means) (default:"
                    + " ${DEFAULT-VALUE})")
    double shrink;

    @Option(names = "--finalists", defaultValue = "" + FrontRemeasurement.Settings.DEFAULT_FINALISTS,
            paramLabel = "N", description = "re-measure the N schemes of the Pareto front within the budget with the"
                    + " highest predicted gains by longer fine-tunes on the validation images and choose the best"
                    + " measured (0: choose by prediction) (default: ${DEFAULT-VALUE})")
    int finalists;

    @Option(names = "--finalist-steps", defaultValue = "" + FrontRemeasurement.Settings.DEFAULT_STEPS,
            paramLabel = "S", description = "training steps of each finalist's fine-tune (default: ${DEFAULT-VALUE})")
    int finalistSteps;

    @Option(names = "--finalist-repeats", defaultValue = "" + FrontRemeasurement.Settings.DEFAULT_REPEATS,
            paramLabel = "R", description = "seeds per finalist, S..S+R-1 (default: ${DEFAULT-VALUE})")
    int finalistRepeats;

    @Option(names = "--finalist-val-limit", defaultValue = ""
            + FrontRemeasurement.Settings.DEFAULT_VALIDATION_IMAGES, paramLabel = "N",
            description = "validation images each finalist is scored on (the first --val-limit of them are the"
                    + " trials'; default: ${DEFAULT-VALUE})")
    int finalistValLimit;

    @Option(names = "--finalist-spread", defaultValue = "" + FrontRemeasurement.Settings.DEFAULT_SPREAD,
            paramLabel = "D", description = "each finalist differs from every better-predicted one in at least D"
                    + " genes (the bias window, a conv's ratio): 1 takes the best predicted as they come, more"
                    + " measures schemes of different shapes (default: ${DEFAULT-VALUE})")
    int finalistSpread;

    @Option(names = "--refine", defaultValue = "0", paramLabel = "N", description = "after the finalists, measure up"
            + " to N neighbours of the best (one conv's ratio or the bias window changed, within every budget, the"
            + " best predicted first) as the finalists were measured, moving to each one measured better"
            + " (default: ${DEFAULT-VALUE}, no refinement)")
    int refine;

    @Option(names = "--finalist-order", paramLabel = "FILE", description = "train every finalist (and --compare"
            + " scheme) on the --train-limit images in this order, as finetune --order does (a little-endian int32"
            + " permutation, e.g. the protocol's perm_n2000_epoch1.i32), its seeds differing only in the rounding"
            + " (default: the trials' seeded shuffles)")
    Path finalistOrder;

    @Option(names = "--compare", paramLabel = "SCHEME", description = "also re-measure this scheme (a preset name or"
            + " a policy file) beside the finalists, as a reference: printed, never chosen (repeatable)")
    List<String> compare = new ArrayList<>();

    @Option(names = "--budget-macs", paramLabel = "N", description = "also keep the step's backward MACs (beyond the"
            + " forward) at most N (default: no limit)")
    Long budgetMacs;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        int[] shardOf = shard == null ? null : parseShard(shard);
        if (shardOf == null && out == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--out=FILE.json'"
                    + " (or --shard I/N to run a share of the trials only)");
        }
        if (shardOf != null && records == null) {
            throw new IllegalArgumentException("--shard: needs --records, the file the shard's trials go to");
        }
        List<Path> inputs = new ArrayList<>(ModelInputs.inputs(model, null, headInit));
        inputs.add(data);
        if (valData != null) {
            inputs.add(valData);
        }
        if (records != null) {
            inputs.add(records); // read to resume and appended to, never replaced by --out
        }
        if (finalistOrder != null) {
            inputs.add(finalistOrder);
        }
        OutputFiles.checkWritable(inputs, out); // before the trials, not after them
        Target tgt = Target.byName(target);
        long budget = parseSize(budgetSram, "--budget-sram");
        if (budget > tgt.sramBytes()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--budget-sram: %,d B exceeds the %,d B of"
                    + " SRAM of %s", budget, tgt.sramBytes(), tgt.name()));
        }
        positive(trialSteps, "--trial-steps");
        positive(valLimit, "--val-limit");
        positive(trainLimit, "--train-limit");
        positive(repeats, "--repeats");
        positive(threads, "--threads");
        if (population < 4) {
            throw new IllegalArgumentException("--population: must be >= 4, got " + population);
        }
        if (generations < 0) {
            throw new IllegalArgumentException("--generations: must be >= 0, got " + generations);
        }
        if (!(shrink >= 0) || Double.isInfinite(shrink)) {
            throw new IllegalArgumentException("--shrink: must be a finite number of standard errors >= 0, got "
                    + shrink);
        }
        if (finalists < 0) {
            throw new IllegalArgumentException("--finalists: must be >= 0, got " + finalists);
        }
        positive(finalistSteps, "--finalist-steps");
        positive(finalistRepeats, "--finalist-repeats");
        positive(finalistValLimit, "--finalist-val-limit");
        positive(finalistSpread, "--finalist-spread");
        if (refine < 0) {
            throw new IllegalArgumentException("--refine: must be >= 0, got " + refine);
        }
        if (refine > 0 && finalists == 0) {
            throw new IllegalArgumentException("--refine: refines the best measured finalist, so it needs"
                    + " --finalists >= 1");
        }
        FrontRemeasurement.Settings finals = new FrontRemeasurement.Settings(finalists, finalistSteps,
                finalistRepeats, finalistValLimit, finalistSpread);
        // the validation rows prepared: the trials' and, when finalists are measured, theirs
        int valRows = finalists > 0 ? Math.max(valLimit, finalistValLimit) : valLimit;
        if (budgetMacs != null && budgetMacs < 0) {
            throw new IllegalArgumentException("--budget-macs: must be >= 0, got " + budgetMacs);
        }
        for (double r : ratios) {
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("--ratios: each must be in (0, 1], got " + r);
            }
        }
        TrainingFlags.Checked upd = training.check();
        try {
            LoadedModel m = ModelInputs.load(model, resolution, headInit, classes, seed);
            ImageDataset trainSet = FinetuneCommand.readArrow(data);
            // the validation images: held out from the trials' training pool, and not the test set
            ImageDataset valSet = valData != null ? FinetuneCommand.readArrow(valData) : trainSet;
            int valFrom = valData != null ? 0 : trainLimit;
            if (trainSet.count() < trainLimit + (valData == null ? valRows : 0)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--train-limit: %s has %,d images, fewer"
                        + " than the %,d asked for%s", data, trainSet.count(), trainLimit + (valData == null
                        ? valRows : 0), valData == null ? " (training pool, then the --val-limit and"
                        + " --finalist-val-limit validation images: give --val-data or lower the limits)" : ""));
            }
            if (valSet.count() < valRows) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--val-data: %s has %,d images, fewer"
                        + " than the %,d of --val-limit/--finalist-val-limit", valData, valSet.count(), valRows));
            }
            // a .tflite model gets its own input quantization, as in finetune (InputPixels)
            Preprocessor pre = new Preprocessor(resolution, InputPixels.forModel(m, null).table());
            int prepThreads = Math.max(threads, 1);
            PreparedImages pool = PreparedImages.prepare(trainSet, data, "training data", trainLimit, m.classes(), pre,
                    prepThreads);
            PreparedImages validation = PreparedImages.prepare(valFrom == 0 ? valSet : rows(valSet, valFrom,
                    valRows), valData != null ? valData : data, valData != null ? "validation data" : "validation"
                    + " data (the images of --data from row " + valFrom + ")", valRows, m.classes(), pre,
                    prepThreads);

            TrainingOrder fixedOrder = finalistOrder == null ? null : TrainingOrder.read(finalistOrder, trainLimit);
            int convs = m.convOrder().size();
            int window = biasWindow != null ? biasWindow : convs;
            if (window < 1 || window > convs) {
                throw new IllegalArgumentException("--bias-window: must be in [1, " + convs + "] (the backbone convs of"
                        + " "
                        + m.graph().name() + "), got " + window);
            }
            AnalysisSettings base = AnalysisSettings.forWindow(convs, window, trialSteps, valLimit);
            AnalysisSettings settings = new AnalysisSettings(trialSteps, valLimit, repeats, seed, upd.lr(),
                    upd.biasLr(), upd.rounding(), upd.qas(), ChannelSelection.Rule.MAGNITUDE, base.biasWindows(),
                    window, base.layers(), ratios);
            ContributionAnalysis analysis = new ContributionAnalysis(m.graph(), pool, validation, settings);
            ContributionEstimates estimates;
            try (TrialLog log = records != null ? TrialLog.open(records) : TrialLog.inMemory()) {
                if (log.truncatedLines() > 0) {
                    System.err.printf(Locale.ROOT, "%s: ignored %d line cut short by an interruption%n", records,
                            log.truncatedLines());
                }
                long foreign = log.records().stream().filter(r -> !r.study().equals(analysis.study())).count();
                if (foreign > 0) {
                    System.err.printf(Locale.ROOT, "%s: %d record(s) of other studies (another model, data or trial"
                            + " settings) are kept but not used%n", records, foreign);
                }
                System.err.printf(Locale.ROOT, "contribution analysis of %s (%d convs; study %s): %d trials of %,d"
                                + " steps and %,d validation images, %d thread(s)%n", m.graph().name(), convs,
                        analysis.study(), analysis.trials().size(), trialSteps, valLimit, threads);
                if (shardOf != null) {
                    int ran = analysis.runShard(log, threads, new TrialProgress(), shardOf[0], shardOf[1]);
                    stdout.printf(Locale.ROOT, "shard %d/%d: ran %d trial(s) into %s; concatenate every shard's records"
                            + " and run without --shard to search%n", shardOf[0], shardOf[1], ran, records);
                    stdout.flush();
                    return 0;
                }
                estimates = analysis.run(log, threads, new TrialProgress());
            }
            Shrinkage rule = new Shrinkage(shrink);
            // a default run (one repeat) has nothing to shrink; only an explicit --shrink deserves the remark
            if (repeats < 2 && shrink > 0 && spec.commandLine().getParseResult().hasMatchedOption("--shrink")) {
                System.err.println("--repeats 1: the gains have no standard error and are used unshrunk (--shrink"
                        + " needs --repeats >= 2)");
            }
            ContributionTable table = estimates.table(rule);
            SearchTables.contributions(stdout, estimates, table, rule);

            SearchSettings ss = new SearchSettings(budget, tgt.flashBytes(), budgetMacs != null ? budgetMacs
                    : Long.MAX_VALUE, population, generations, seed, ChannelSelection.Rule.MAGNITUDE, threads);
            CompilerMemory memory = new CompilerMemory(m.graph(), tgt, settings.training(0));
            long t0 = System.nanoTime();
            SearchResult result = new EvolutionarySearch(table, memory, ss, m.graph().name()).run(
                    (g, total, best, evaluated) -> System.err.printf(Locale.ROOT, "%s %d/%d: best %+.2f points at %,d B"
                                    + " SRAM%s; %d schemes, %d compiled, %s%n",
                            g > total ? "local search" : "generation",
                            Math.min(g, total), total, best.gain(), best.cost().sramTotalBytes(),
                            best.feasible() ? "" : " (over budget)", evaluated, memory.compiles(),
                            ConsoleProgress.time((System.nanoTime() - t0) / 1e9)));
            SearchTables.front(stdout, result, table, budget);
            SearchTables.presets(stdout, table, memory, m.graph().name());
            ScoredScheme best = result.best();
            if (!best.feasible()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--budget-sram: no scheme fits %,d B;"
                        + " the cheapest needs %,d B SRAM", budget, result.front().isEmpty() ? best.cost()
                        .sramTotalBytes() : result.front().get(0).cost().sramTotalBytes()));
            }
            String measuredText = "";
            if (finalists > 0) {
                List<SparseUpdatePolicy> references = new ArrayList<>();
                for (String c : compare) {
                    references.add(SchemeSource.resolve(c, ModelInputs.cwd()).policy());
                }
                FrontRemeasurement.Result checked = remeasure(stdout, analysis, result, table, m.graph().name(),
                        finals, fixedOrder);
                FrontRemeasurement.Measured chosen = checked.chosen();
                if (refine > 0) {
                    chosen = refine(stdout, analysis, checked, table, memory, ss, m.graph().name(), finals,
                            fixedOrder);
                }
                compareReferences(stdout, analysis, memory, finals, references, fixedOrder);
                best = chosen.candidate();
                measuredText = String.format(Locale.ROOT, ", measured %.2f%% +- %.2f on the validation images",
                        chosen.mean(), chosen.stdErr());
            }
            SparseUpdatePolicy policy = best.scheme().policy(ChannelSelection.Rule.MAGNITUDE, m.graph().name());
            OutputFiles.writeString(out, PolicyJson.toJson(policy), inputs);
            stdout.printf(Locale.ROOT, "chosen: %s: predicted %+.2f points over the head only (%.2f%% -> %.2f%%)%s,"
                            + " SRAM %,d B of %,d B, Flash %,d B, backward %,d MACs%n", best.scheme().describe(),
                    best.gain(), table.headAccuracy(), table.headAccuracy() + best.gain(), measuredText,
                    best.cost().sramTotalBytes(), budget, best.cost().flashBytes(), best.cost().backwardMacs());
            stdout.printf(Locale.ROOT, "wrote %s%n", out);
            stdout.flush();
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Bytes from {@code 262144}, {@code 256KB}, {@code 256k} or {@code 1MB} (KB = 1024 B). */
    static long parseSize(String text, String field) {
        Matcher mt = SIZE.matcher(text.strip());
        if (!mt.matches()) {
            throw new IllegalArgumentException(field + ": must be bytes or a size such as 256KB, got '" + text + "'");
        }
        long n;
        try {
            n = Long.parseLong(mt.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": " + mt.group(1) + " is too large");
        }
        String unit = mt.group(2) == null ? "B" : mt.group(2).toUpperCase(Locale.ROOT);
        long mul = unit.startsWith("K") ? 1024 : unit.startsWith("M") ? 1024 * 1024 : 1;
        if (n < 1 || n > Long.MAX_VALUE / mul) {
            throw new IllegalArgumentException(field + ": must be at least 1 byte and sensible, got '" + text + "'");
        }
        return n * mul;
    }

    /** {@code I/N} with 0 <= I < N. */
    static int[] parseShard(String text) {
        Matcher mt = Pattern.compile("(\\d{1,9})/(\\d{1,9})").matcher(text.strip());
        if (!mt.matches()) {
            throw new IllegalArgumentException("--shard: must be I/N such as 0/4, got '" + text + "'");
        }
        int i = Integer.parseInt(mt.group(1));
        int n = Integer.parseInt(mt.group(2));
        if (n < 1 || i >= n) {
            throw new IllegalArgumentException("--shard: I must lie in [0, N) and N >= 1, got '" + text + "'");
        }
        return new int[] {i, n};
    }

    private static void positive(int v, String field) {
        if (v < 1) {
            throw new IllegalArgumentException(field + ": must be >= 1, got " + v);
        }
    }

    private static ImageDataset rows(ImageDataset ds, int from, int n) {
        int size = ds.imageSize();
        byte[] px = new byte[n * size];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ds.imageInto(from + i, px, i * size);
            labels[i] = ds.label(from + i);
        }
        return ImageDataset.of(ds.rows(), ds.cols(), ds.channels(), px, labels);
    }

    /** Measures the {@code --compare} schemes as the finalists were (the same steps, seeds, images) and prints them. */
    private void compareReferences(PrintWriter out, ContributionAnalysis analysis, CompilerMemory memory,
                                   FrontRemeasurement.Settings finals, List<SparseUpdatePolicy> references,
                                   TrainingOrder fixedOrder) {
        for (int i = 0; i < references.size(); i++) {
            SparseUpdatePolicy p = references.get(i);
            // the seeds in parallel (on the common pool), each a pure function of its seed: the same on any cores
            double[] acc = IntStream.range(0, finals.repeats()).parallel().mapToDouble(r -> analysis.measure(p,
                    finals.steps(), r, finals.validationImages(), fixedOrder)).toArray();
            double mean = Arrays.stream(acc).average().orElseThrow();
            double sd = 0;
            for (double a : acc) {
                sd += (a - mean) * (a - mean);
            }
            double se = acc.length < 2 ? 0 : Math.sqrt(sd / (acc.length - 1) / acc.length);
            StringBuilder per = new StringBuilder();
            Arrays.stream(acc).forEach(a -> per.append(String.format(Locale.ROOT, " %.2f", a)));
            out.printf(Locale.ROOT, "= %12s  %8s  %9s  %7.2f%% +-%4.2f  --compare %s [%s]%n", String.format(Locale.ROOT,
                    "%,d", memory.cost(p).sramTotalBytes()), "", "", mean, se, compare.get(i), per.toString().strip());
        }
        if (!references.isEmpty()) {
            out.println("  (= a --compare reference, measured as the finalists, never chosen)");
        }
    }

    /** Fine-tunes the finalists of the front on the validation images, prints the measurements, returns them. */
    private FrontRemeasurement.Result remeasure(PrintWriter out, ContributionAnalysis analysis, SearchResult result,
                                                ContributionTable table, String modelName,
                                                FrontRemeasurement.Settings finals, TrainingOrder fixedOrder) {
        List<ScoredScheme> fin = FrontRemeasurement.finalists(result, finals.finalists(), finals.spread());
        System.err.printf(Locale.ROOT, "re-measuring %d finalist(s): %,d steps x %d seed(s) each, %,d validation"
                + " images, %d thread(s)%n", fin.size(), finals.steps(), finals.repeats(), finals.validationImages(),
                threads);
        long t0 = System.nanoTime();
        FrontRemeasurement.Result r = FrontRemeasurement.run(fin, finals.repeats(), threads,
                (s, repeat) -> analysis.measure(s.policy(ChannelSelection.Rule.MAGNITUDE, modelName), finals.steps(),
                        repeat, finals.validationImages(), fixedOrder),
                (f, repeat, acc) -> System.err.printf(Locale.ROOT, "finalist %s #%d: %.2f%%  elapsed %s%n",
                        f.scheme().describe(), repeat, acc, ConsoleProgress.time((System.nanoTime() - t0) / 1e9)));
        out.printf(Locale.ROOT, "finalists re-measured (%,d steps, seeds %d..%d, %s, %,d validation images):%n",
                finals.steps(), seed, seed + finals.repeats() - 1, fixedOrder == null ? "seeded orders"
                        : "order " + finalistOrder.getFileName(), finals.validationImages());
        out.printf(Locale.ROOT, "  %12s  %8s  %9s  %14s  %s%n", "SRAM B", "gain", "pred acc", "measured", "scheme"
                + " [per seed]");
        for (FrontRemeasurement.Measured f : r.measured()) {
            SearchTables.measured(out, f == r.chosen() ? (refine > 0 ? ">" : "*") : " ", f, table);
        }
        out.printf(Locale.ROOT, refine > 0 ? "  (> = the best measured, refined below; re-measurement took %s)%n"
                : "  (* = chosen: the best measured; re-measurement took %s)%n",
                ConsoleProgress.time((System.nanoTime() - t0) / 1e9));
        return r;
    }

    /** Measures neighbours of the best finalist ({@link MeasuredRefinement}), prints them, returns the best. */
    private FrontRemeasurement.Measured refine(PrintWriter out, ContributionAnalysis analysis,
                                               FrontRemeasurement.Result finalistsMeasured, ContributionTable table,
                                               CompilerMemory memory, SearchSettings ss, String modelName,
                                               FrontRemeasurement.Settings finals, TrainingOrder fixedOrder) {
        System.err.printf(Locale.ROOT, "refining the best finalist: up to %d neighbour(s), measured as the"
                + " finalists%n", refine);
        long t0 = System.nanoTime();
        FrontRemeasurement.Measured start = finalistsMeasured.chosen();
        MeasuredRefinement.Result r = new MeasuredRefinement(table, memory, ss, modelName).run(start,
                finalistsMeasured.measured().stream().map(f -> f.candidate().scheme()).toList(), refine,
                finals.repeats(), (s, repeat) -> analysis.measure(s.policy(ChannelSelection.Rule.MAGNITUDE,
                        modelName), finals.steps(), repeat, finals.validationImages(), fixedOrder),
                FrontRemeasurement.Listener.NONE,
                (step, done, limit) -> System.err.printf(Locale.ROOT, "refine %d/%d: %s  %.2f%% +- %.2f  %s  elapsed"
                                + " %s%n", done, limit, step.measured().candidate().scheme().describe(),
                        step.measured().mean(), SearchTables.stdErrOrZero(step.measured()),
                        step.improved() ? "better: moved" : "not better",
                        ConsoleProgress.time((System.nanoTime() - t0) / 1e9)));
        out.printf(Locale.ROOT, "refined from the best finalist (%d neighbour(s) measured as the finalists, of at most"
                + " %d):%n", r.steps().size(), refine);
        out.printf(Locale.ROOT, "  %12s  %8s  %9s  %14s  %s%n", "SRAM B", "gain", "pred acc", "measured", "scheme"
                + " [per seed]");
        for (MeasuredRefinement.Step step : r.steps()) {
            String marker = step.measured() == r.best() ? "*" : step.improved() ? "+" : " ";
            SearchTables.measured(out, marker, step.measured(), table);
        }
        out.printf(Locale.ROOT, "  (+ = measured better than where the search stood: it moved there; * = chosen%s;"
                + " refinement took %s)%n", r.best() == start ? ", none: the best finalist stays" : "",
                ConsoleProgress.time((System.nanoTime() - t0) / 1e9));
        return r.best();
    }

    /** Trial progress on stderr with the time left at the mean pace of this run's trials. */
    private static final class TrialProgress implements AnalysisListener {
        private final long start = System.nanoTime();
        private int done;

        @Override
        public void started(int total, int done) {
            this.done = done;
            if (done > 0) {
                System.err.printf(Locale.ROOT, "resuming: %d of %d trials already recorded%n", done, total);
            }
        }

        @Override
        public synchronized void trialFinished(TrialRecord r, int finished, int toRun) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double eta = elapsed / finished * (toRun - finished);
            System.err.printf(Locale.ROOT, "trial %d/%d %-18s %6.2f%% (%d/%d)  %.1f s  elapsed %s  eta %s%n",
                    done + finished, done + toRun, r.spec().id(), r.accuracy(), r.correct(), r.total(),
                    r.millis() / 1e3, ConsoleProgress.time(elapsed), ConsoleProgress.time(eta));
        }
    }
}
