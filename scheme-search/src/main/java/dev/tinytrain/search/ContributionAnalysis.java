package dev.tinytrain.search;

import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.dataset.TrainingOrder;
import dev.tinytrain.finetune.FinetuneResult;
import dev.tinytrain.finetune.Finetuner;
import dev.tinytrain.finetune.PreparedImages;
import dev.tinytrain.finetune.ProgressListener;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contribution analysis of sparse update ({@code TTE-FACTS.md} §F.4) on the user's model and data, with the
 * compiled int8 step at batch 1: every {@linkplain AnalysisSettings#trials() trial} is an independent short
 * fine-tune ({@link Finetuner} on a fresh {@code TrainingSession} of the trial's compiled step) whose outcome is
 * appended to a {@link TrialLog}. Trials already in the log are not run again, so an interrupted analysis resumes;
 * trials run on a pool of threads, each with its own session, and give the same records on any number of threads.
 *
 * <p>Each trial is a pure function of (model digest, data digest, settings, trial spec) → record, which is what
 * lets the trials be spread over machines: {@link #runShard} runs one shard of {@link #trials()} against its own
 * records file; concatenated, the files make the whole analysis's log.
 */
public final class ContributionAnalysis {
    private final Graph forward;
    private final PreparedImages trainPool;
    private final PreparedImages validation;
    private final PreparedImages allValidation;
    private final AnalysisSettings settings;
    private final String modelSha256;
    private final String dataSha256;
    private final int convs;
    private final int[] weightChannels;

    /**
     * @param forward the forward graph with its transfer head (every trial starts from it)
     * @param trainPool the training images trials draw from (preprocessed)
     * @param validation the validation images, held out from the training data (not the test set of the final
     *     comparison); the trials evaluate the first {@link AnalysisSettings#validationImages()}, a
     *     {@linkplain #measure finalist's measurement} as many as it asks for
     * @param settings what to measure
     * @throws IllegalArgumentException when there are fewer validation images than asked for, or the settings name a
     *     layer or window the model does not have
     */
    public ContributionAnalysis(Graph forward, PreparedImages trainPool, PreparedImages validation,
                                AnalysisSettings settings) {
        this.forward = forward;
        this.settings = settings;
        // dim 3 of an OHWI or depthwise [1,H,W,C] weight: what a channel ratio is a fraction of
        this.weightChannels = forward.nodes().stream().filter(n -> n.op() instanceof Conv2d)
                .mapToInt(n -> n.inputs().get(1).type().shape().dim(3)).toArray();
        this.convs = weightChannels.length;
        if (validation.count() < settings.validationImages()) {
            throw new IllegalArgumentException("validation images: " + validation.count() + " given, fewer than the "
                    + settings.validationImages() + " each trial evaluates");
        }
        if (settings.biasWindows().get(settings.biasWindows().size() - 1) > convs) {
            throw new IllegalArgumentException("bias windows " + settings.biasWindows() + " exceed the " + convs
                    + " backbone convs of " + forward.name());
        }
        for (int layer : settings.layers()) {
            if (layer < convs - settings.baseWindow() || layer >= convs) {
                throw new IllegalArgumentException("layer " + layer + " lies outside the base bias window (the last "
                        + settings.baseWindow() + " of the " + convs + " convs of " + forward.name() + ")");
            }
        }
        this.trainPool = trainPool;
        this.validation = settings.validationImages() == validation.count() ? validation
                : firstImages(validation, settings.validationImages());
        this.modelSha256 = AnalysisSettings.sha256(IrJson.write(forward).getBytes(StandardCharsets.UTF_8));
        this.allValidation = validation;
        this.dataSha256 = digest(trainPool, this.validation);
    }

    /** The study key every record of this analysis carries. */
    public String study() {
        return settings.studyKey(modelSha256, dataSha256);
    }

    /** Backbone convs of the model. */
    public int convs() {
        return convs;
    }

    /**
     * Runs every trial that {@code log} does not hold yet, on {@code threads} threads, and returns the measured
     * contributions with their standard errors.
     *
     * @throws IllegalStateException when a trial fails (its cause attached); finished trials stay recorded
     */
    public ContributionEstimates run(TrialLog log, int threads, AnalysisListener listener) {
        runShard(log, threads, listener, 0, 1);
        return ContributionEstimates.of(convs, settings, l -> weightChannels[l], study(), log);
    }

    /**
     * Runs the trials of shard {@code index} of {@code count} (the trials at positions {@code p} of
     * {@link #trials()} with {@code p mod count = index}) that {@code log} does not hold yet: one machine's share of
     * an analysis spread over {@code count} machines, whose records files are concatenated afterwards.
     *
     * @return the number of trials run
     * @throws IllegalStateException when a trial fails (its cause attached); finished trials stay recorded
     */
    public int runShard(TrialLog log, int threads, AnalysisListener listener, int index, int count) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + " of " + count + " does not exist");
        }
        String study = study();
        List<TrialSpec> all = trials();
        List<TrialSpec> mine = new ArrayList<>();
        for (int p = index; p < all.size(); p += count) {
            mine.add(all.get(p));
        }
        List<TrialSpec> todo = mine.stream().filter(t -> log.find(study, t).isEmpty()).toList();
        listener.started(mine.size(), mine.size() - todo.size());
        AtomicInteger finished = new AtomicInteger();
        if (todo.isEmpty()) {
            return 0;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, todo.size()), r -> {
            Thread t = new Thread(r, "tinytrain-trial");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (TrialSpec spec : todo) {
                futures.add(pool.submit(() -> {
                    TrialRecord r = runTrial(study, spec);
                    log.append(r);
                    listener.trialFinished(r, finished.incrementAndGet(), todo.size());
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("contribution analysis interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("trial failed: " + c, c);
        } finally {
            pool.shutdownNow();
        }
        return todo.size();
    }

    /** Every trial of the analysis ({@link AnalysisSettings#trials}) for this model's channel counts. */
    public List<TrialSpec> trials() {
        return settings.trials(l -> weightChannels[l]);
    }

    /** Runs one trial (on the calling thread) and returns its record, without logging it. */
    public TrialRecord runTrial(String study, TrialSpec spec) {
        Tuned t = fineTune(spec.policy(settings.rule()), spec.id(), spec.repeat(),
                trainingImages(spec.repeat(), settings.steps()), validation);
        FinetuneResult r = t.result();
        return new TrialRecord(study, spec, r.last().correct(), r.last().total(), r.epochMeanLoss()[0],
                r.nonFiniteLosses(), t.compiled().report().sramTotalBytes(), t.compileNanos() / 1_000_000,
                r.trainNanos() / 1_000_000, r.evalNanos() / 1_000_000);
    }

    /**
     * Validation accuracy (%) of a whole scheme after a fine-tune of {@code steps} images (on the calling thread):
     * the same start, training order of repeat {@code repeat} and rounding as the trials, only longer, scored on the
     * first {@code validationImages} validation images (at least the trials', at most those given). This is how the
     * search's finalists are re-measured ({@link FrontRemeasurement}). Same as
     * {@code measure(policy, steps, repeat, validationImages, null)}.
     */
    public double measure(SparseUpdatePolicy policy, int steps, int repeat, int validationImages) {
        return measure(policy, steps, repeat, validationImages, null);
    }

    /**
     * As {@link #measure(SparseUpdatePolicy, int, int, int)}, but when {@code fixedOrder} is given every repeat
     * trains the training pool in that order (passes over it one after another, as many as {@code steps} needs)
     * and only the stochastic rounding's seed ({@code seed + repeat}) differs between repeats: the finalists are
     * then measured as a fine-tune with that order file will train ({@code tinytrain finetune --order}), and two
     * schemes compared on the same repeat differ only by their scheme and that repeat's rounding.
     *
     * @param fixedOrder a permutation of the training pool, or {@code null} for the trials' seeded shuffles
     * @throws IllegalArgumentException when the steps or validation images are out of range, or the order is not
     *     one of the whole training pool
     */
    public double measure(SparseUpdatePolicy policy, int steps, int repeat, int validationImages,
                          TrainingOrder fixedOrder) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (validationImages < 1 || validationImages > allValidation.count()) {
            throw new IllegalArgumentException("validation images of a measurement must be in [1, "
                    + allValidation.count() + "] (those given), got " + validationImages);
        }
        if (fixedOrder != null && fixedOrder.size() != trainPool.count()) {
            throw new IllegalArgumentException("the fixed training order has " + fixedOrder.size() + " indices, but"
                    + " the training pool holds " + trainPool.count() + " images");
        }
        PreparedImages scored = validationImages == allValidation.count() ? allValidation
                : firstImages(allValidation, validationImages);
        PreparedImages train = fixedOrder == null ? trainingImages(repeat, steps)
                : inOrder(List.of(fixedOrder), steps);
        return fineTune(policy, "finalist", repeat, train, scored).result().last().testAccuracy();
    }

    private record Tuned(CompiledModel compiled, long compileNanos, FinetuneResult result) {
    }

    private Tuned fineTune(SparseUpdatePolicy policy, String name, int repeat, PreparedImages train,
                           PreparedImages scored) {
        long t0 = System.nanoTime();
        CompileOptions options = new CompileOptions(policy, name, settings.training(repeat), true, true,
                MemoryPlan.DEFAULT_ALIGNMENT);
        // the trial measures accuracy: no budget, the search checks memory against the target later
        CompiledModel compiled = Compiler.compileUnchecked(forward, Target.HOST, options);
        long compileNanos = System.nanoTime() - t0;
        int[] identity = new int[train.count()];
        for (int i = 0; i < identity.length; i++) {
            identity[i] = i;
        }
        FinetuneResult r = Finetuner.run(compiled, train, scored,
                new Finetuner.Plan(List.of(new TrainingOrder(identity)), 0, 1, false, false, 0, 1),
                ProgressListener.NONE);
        return new Tuned(compiled, compileNanos, r);
    }

    /**
     * The training images of repeat {@code r}, in the order trained: the first {@code steps} of seeded shuffles
     * (seed {@code seed + r}) of the training pool, one shuffle per pass over it.
     */
    PreparedImages trainingImages(int r, int steps) {
        int n = trainPool.count();
        return inOrder(TrainingOrder.seededEpochs(n, settings.seed() + r, (steps + n - 1) / n), steps);
    }

    /** The first {@code steps} images of the training pool visited in {@code passes}, the last one repeated. */
    private PreparedImages inOrder(List<TrainingOrder> passes, int steps) {
        int n = trainPool.count();
        byte[][] images = new byte[steps][];
        int[] labels = new int[steps];
        for (int i = 0; i < steps; i++) {
            int idx = passes.get(Math.min(i / n, passes.size() - 1)).get(i % n);
            images[i] = trainPool.image(idx);
            labels[i] = trainPool.label(idx);
        }
        return PreparedImages.of(images, labels);
    }

    private static PreparedImages firstImages(PreparedImages p, int n) {
        byte[][] images = new byte[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            images[i] = p.image(i);
            labels[i] = p.label(i);
        }
        return PreparedImages.of(images, labels);
    }

    /** SHA-256 over the training pool then the validation images: count, then each image's bytes and label. */
    static String digest(PreparedImages train, PreparedImages validation) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (PreparedImages p : List.of(train, validation)) {
            md.update(ByteBuffer.allocate(4).putInt(p.count()).array());
            for (int i = 0; i < p.count(); i++) {
                md.update(p.image(i));
                md.update(ByteBuffer.allocate(4).putInt(p.label(i)).array());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
