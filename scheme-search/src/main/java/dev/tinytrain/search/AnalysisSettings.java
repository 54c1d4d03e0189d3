package dev.tinytrain.search;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.pruning.ChannelSelection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.IntUnaryOperator;

/**
 * What a contribution analysis measures ({@code TTE-FACTS.md} §F.4) and how each trial fine-tunes.
 *
 * <p>Every trial starts from the same forward graph (head included), trains {@code steps} images with batch 1 and
 * the compiled int8 step, then counts the correct predictions on the first {@code validationImages} validation
 * images: images held out from the training data, never the test images a final comparison uses (choosing the best
 * of many noisy trials on the test set would fit the test set). Repeat {@code r} uses seed {@code seed + r} for
 * both the order of its training images (the first {@code steps} of a seeded shuffle of the training pool,
 * reshuffled each time the pool is used up) and the stochastic rounding, so within a repeat every trial sees the same images in the same order: the gains are paired differences.
 *
 * @param steps training steps (images) per trial
 * @param validationImages validation images per trial (the first N of the validation set)
 * @param repeats trials per measurement, with seeds {@code seed .. seed + repeats - 1}; gains are their mean
 * @param seed first seed
 * @param lr learning rate of weights and the head
 * @param biasLr learning rate of biases
 * @param rounding int8/int32 update rounding ({@code stochastic}, {@code nearest_even}, {@code float_master})
 * @param qas quantization-aware scaling
 * @param rule how a weight trial (and the searched scheme) picks its channels
 * @param biasWindows the k of the bias sweep (Δacc of the last k biases over the head only), ascending
 * @param baseWindow the bias window of every weight trial, whose bias trial is their baseline; it must be one
 *     of {@code biasWindows}
 * @param layers TTE indices of the convs whose weights are measured, all inside the base window
 * @param ratios the channel ratios measured for each layer, each in (0, 1]
 */
public record AnalysisSettings(int steps, int validationImages, int repeats, long seed, float lr, float biasLr,
                               String rounding, boolean qas, ChannelSelection.Rule rule, List<Integer> biasWindows,
                               int baseWindow, List<Integer> layers, List<Double> ratios) {

    /** The paper's ratios: 1/8, 1/4, 1/2, 1. */
    public static final List<Double> PAPER_RATIOS = List.of(0.125, 0.25, 0.5, 1.0);
    /** Default training steps per trial. */
    public static final int DEFAULT_STEPS = 200;
    /** Default validation images per trial. */
    public static final int DEFAULT_VALIDATION_IMAGES = 200;
    /**
     * Default repeats (seeds) per measurement: one, so that a full analysis of MCUNet stays within the hour on a
     * 2-core machine; two or more give each gain a standard error, which the shrinkage needs.
     */
    public static final int DEFAULT_REPEATS = 1;

    /** Validates and copies. */
    public AnalysisSettings {
        if (steps < 1) {
            throw new IllegalArgumentException("trial steps must be >= 1, got " + steps);
        }
        if (validationImages < 1) {
            throw new IllegalArgumentException("validation images per trial must be >= 1, got " + validationImages);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        new TrainingOptions(lr, biasLr, rounding, qas, 0); // validates rates and rounding
        if (rule == null) {
            throw new IllegalArgumentException("channel selection rule missing");
        }
        biasWindows = List.copyOf(new TreeSet<>(biasWindows));
        layers = List.copyOf(new TreeSet<>(layers));
        ratios = List.copyOf(new TreeSet<>(ratios));
        if (biasWindows.isEmpty() || biasWindows.get(0) < 1) {
            throw new IllegalArgumentException("bias windows must be >= 1 and at least one, got " + biasWindows);
        }
        if (!biasWindows.contains(baseWindow)) {
            throw new IllegalArgumentException("the base bias window " + baseWindow + " of the weight trials must be"
                    + " one of the bias windows measured " + biasWindows);
        }
        for (double r : ratios) {
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("ratios must be in (0, 1], got " + r);
            }
        }
        if (!layers.isEmpty() && ratios.isEmpty()) {
            throw new IllegalArgumentException("layers to measure but no ratio");
        }
    }

    /**
     * The default analysis of a model with {@code convs} backbone convs: every bias window 1, 2, 4, 6, ... up to
     * every conv, every conv's weight at the paper's four ratios over the all-biases baseline, one repeat, seed 0,
     * the defaults of {@code tinytrain finetune} (lr 0.001, QAS, stochastic rounding), channels by magnitude.
     */
    public static AnalysisSettings defaults(int convs, int steps, int validationImages) {
        return forWindow(convs, convs, steps, validationImages);
    }

    /**
     * As {@link #defaults} but measuring only the last {@code baseWindow} convs: bias windows 1, 2, 4, ...,
     * {@code baseWindow}, and the weights of the convs inside it.
     */
    public static AnalysisSettings forWindow(int convs, int baseWindow, int steps, int validationImages) {
        if (baseWindow < 1 || baseWindow > convs) {
            throw new IllegalArgumentException("the bias window must be in [1, " + convs + "], got " + baseWindow);
        }
        List<Integer> windows = new ArrayList<>(List.of(1));
        for (int k = 2; k < baseWindow; k += 2) {
            windows.add(k);
        }
        windows.add(baseWindow);
        List<Integer> layers = new ArrayList<>();
        for (int i = convs - baseWindow; i < convs; i++) {
            layers.add(i);
        }
        return new AnalysisSettings(steps, validationImages, 1, 0, 1e-3f, 1e-3f, "stochastic", true,
                ChannelSelection.Rule.MAGNITUDE, windows, baseWindow, layers, PAPER_RATIOS);
    }

    /** The same settings with other repeats and seed. */
    public AnalysisSettings withRepeats(int newRepeats, long newSeed) {
        return new AnalysisSettings(steps, validationImages, newRepeats, newSeed, lr, biasLr, rounding, qas, rule,
                biasWindows, baseWindow, layers, ratios);
    }

    /** The same settings with other training options. */
    public AnalysisSettings withTraining(float newLr, float newBiasLr, String newRounding, boolean newQas) {
        return new AnalysisSettings(steps, validationImages, repeats, seed, newLr, newBiasLr, newRounding, newQas, rule,
                biasWindows, baseWindow, layers, ratios);
    }

    /** The training options of repeat {@code r}: seed {@code seed + r} for stochastic rounding. */
    public TrainingOptions training(int r) {
        return new TrainingOptions(lr, biasLr, rounding, qas, (int) (seed + r));
    }

    /**
     * Every trial, cheapest first: for each repeat the head only, the bias sweep, then each layer (deepest first)
     * and ratio. A ratio that keeps no channel of a layer ({@code floor(C * r) = 0}, e.g. 1/8 of the 3 input
     * channels of a first conv) is not a trial.
     *
     * @param channels conv index → its weight's channel count (input channels of a dense conv, channels of a
     *     depthwise one: what a ratio is a fraction of)
     */
    public List<TrialSpec> trials(IntUnaryOperator channels) {
        List<TrialSpec> out = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            out.add(TrialSpec.head(r));
            for (int k : biasWindows) {
                out.add(TrialSpec.bias(k, r));
            }
        }
        for (int r = 0; r < repeats; r++) {
            for (int i = layers.size() - 1; i >= 0; i--) {
                for (double ratio : ratios) {
                    if (measures(ratio, channels.applyAsInt(layers.get(i)))) {
                        out.add(TrialSpec.weight(baseWindow, layers.get(i), ratio, r));
                    }
                }
            }
        }
        return out;
    }

    /** True when {@code ratio} of {@code channels} keeps at least one channel (as the pruning pass counts). */
    public static boolean measures(double ratio, int channels) {
        return (int) Math.floor(channels * ratio) >= 1;
    }

    /**
     * The identity of a trial's outcome besides its spec: a digest of the model, the data and every setting a
     * trial's result depends on (not the lists of windows, layers and ratios, so a larger analysis reuses the
     * records of a smaller one).
     *
     * @param modelSha256 digest of the forward graph, head included
     * @param dataSha256 digest of the training pool and the validation images
     */
    public String studyKey(String modelSha256, String dataSha256) {
        String canonical = String.format(Locale.ROOT, "tinytrain-contribution/1|model=%s|data=%s|steps=%d|val=%d"
                        + "|seed=%d|lr=%s|biasLr=%s|rounding=%s|qas=%s|rule=%s", modelSha256, dataSha256, steps,
                validationImages, seed, Float.toString(lr), Float.toString(biasLr), rounding, qas, rule.jsonName());
        return sha256(canonical.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
