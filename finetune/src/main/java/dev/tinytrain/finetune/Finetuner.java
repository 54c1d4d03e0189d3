package dev.tinytrain.finetune;

import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.dataset.TrainingOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Fine-tuning with a compiled training step: {@link #run} takes a {@link CompiledModel} (the step
 * {@code Compiler.compile} made for the target), the training and test images ({@link PreparedImages}), a
 * {@link Plan} (epochs and their orders, when to evaluate) and a {@link ProgressListener}, and returns a
 * {@link FinetuneResult}; {@link ResultsJson} and {@link AccuracyPlot} write it out.
 *
 * <p>The loop: batch 1 (each training image is one {@link TrainingSession#trainStep}), epochs visiting
 * the images in given orders, test accuracy with {@link TrainingSession#predict} every K steps of an epoch and
 * at the end of each epoch.
 */
public final class Finetuner {

    /**
     * How to train.
     *
     * @param orders one visiting order per epoch, each a permutation of the training images' indices
     * @param evalEvery evaluate after every this many steps of an epoch (0 = only at the end of each epoch)
     * @param evalEveryFrom the first epoch (from 1) whose steps are evaluated every {@code evalEvery}; earlier
     *     epochs are evaluated at their end only
     * @param initialEval evaluate once before training too
     * @param hflip mirror each training image left-right with probability 1/2 (test images never)
     * @param flipSeed seed of the flips' generator
     * @param threads threads for evaluation (training is sequential by nature)
     * @param lrSchedule the learning-rate factor of each step, counted over the whole run from 0
     */
    public record Plan(List<TrainingOrder> orders, int evalEvery, int evalEveryFrom, boolean initialEval, boolean hflip,
                       long flipSeed, int threads, LearningRateSchedule lrSchedule) {
        /** Validates. */
        public Plan {
            orders = List.copyOf(orders);
            Objects.requireNonNull(lrSchedule, "lrSchedule");
            if (orders.isEmpty()) {
                throw new IllegalArgumentException("at least one epoch");
            }
            if (evalEvery < 0) {
                throw new IllegalArgumentException("eval-every must be >= 0, got " + evalEvery);
            }
            if (evalEveryFrom < 1) {
                throw new IllegalArgumentException("eval-every-from must be >= 1, got " + evalEveryFrom);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
        }

        /** A plan at the compiled learning rates ({@link LearningRateSchedule#constant()}). */
        public Plan(List<TrainingOrder> orders, int evalEvery, int evalEveryFrom, boolean initialEval, boolean hflip,
                    long flipSeed, int threads) {
            this(orders, evalEvery, evalEveryFrom, initialEval, hflip, flipSeed, threads,
                    LearningRateSchedule.constant());
        }

        /** The steps of the whole run: every epoch's order. */
        public long totalSteps() {
            return orders.stream().mapToLong(TrainingOrder::size).sum();
        }

        /**
         * {@code epochs} seeded shuffles of {@code images} training images ({@link TrainingOrder#seededEpochs}),
         * evaluated before training and after each epoch, no flips, evaluation on all processors.
         */
        public static Plan shuffled(int images, int epochs, long seed) {
            return new Plan(TrainingOrder.seededEpochs(images, seed, epochs), 0, 1, true, false, seed,
                    Runtime.getRuntime().availableProcessors());
        }
    }

    private Finetuner() {
    }

    /**
     * Trains a new session of {@code compiled} on {@code train} and evaluates it on {@code test}.
     *
     * @throws IllegalArgumentException if an order's length is not the number of training images
     */
    public static FinetuneResult run(CompiledModel compiled, PreparedImages train, PreparedImages test, Plan plan,
                                     ProgressListener progress) {
        Objects.requireNonNull(progress, "progress");
        for (int e = 0; e < plan.orders().size(); e++) {
            if (plan.orders().get(e).size() != train.count()) {
                throw new IllegalArgumentException("the order of epoch " + (e + 1) + " has " + plan.orders().get(e).size()
                        + " indices but there are " + train.count() + " training images");
            }
        }
        TrainingSession session = compiled.newSession();
        int r = (int) Math.round(Math.sqrt(train.imageBytes() / 3.0));
        SplittableRandom flips = new SplittableRandom(plan.flipSeed());
        int epochs = plan.orders().size();
        long total = (long) epochs * train.count();
        List<Evaluation> evals = new ArrayList<>();
        double[] meanLoss = new double[epochs];
        long nonFinite = 0;
        long trainNanos = 0;
        long evalNanos = 0;
        long inferences = 0;
        long global = 0;
        Evaluation initial = null;
        try (Evaluator evaluator = new Evaluator(compiled, session, plan.threads())) {
            if (plan.initialEval()) {
                long t0 = System.nanoTime();
                initial = new Evaluation(0, 0, 0, evaluator.correct(test), test.count());
                evalNanos += System.nanoTime() - t0;
                inferences += test.count();
                progress.evaluated(initial, total);
            }
            for (int e = 1; e <= epochs; e++) {
                TrainingOrder order = plan.orders().get(e - 1);
                int n = order.size();
                double lossSum = 0;
                long lossCount = 0;
                for (int i = 0; i < n; i++) {
                    int idx = order.get(i);
                    byte[] image = train.image(idx);
                    if (plan.hflip() && flips.nextBoolean()) {
                        image = PreparedImages.flipHorizontal(image, r);
                    }
                    long t0 = System.nanoTime();
                    float loss = session.trainStep(image, train.label(idx), plan.lrSchedule().scale(global));
                    trainNanos += System.nanoTime() - t0;
                    global++;
                    if (Float.isFinite(loss)) {
                        lossSum += loss;
                        lossCount++;
                    } else {
                        nonFinite++;
                    }
                    progress.step(e, i + 1, global, total, loss);
                    int step = i + 1;
                    if (step == n || (plan.evalEvery() > 0 && e >= plan.evalEveryFrom() && step % plan.evalEvery() == 0)) {
                        long t1 = System.nanoTime();
                        Evaluation ev = new Evaluation(e, step, global, evaluator.correct(test), test.count());
                        evalNanos += System.nanoTime() - t1;
                        inferences += test.count();
                        evals.add(ev);
                        progress.evaluated(ev, total);
                    }
                }
                meanLoss[e - 1] = lossCount == 0 ? Double.NaN : lossSum / lossCount;
            }
        }
        return new FinetuneResult(initial, evals, meanLoss, nonFinite, global, trainNanos, inferences, evalNanos);
    }
}
