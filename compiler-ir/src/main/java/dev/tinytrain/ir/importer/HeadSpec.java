package dev.tinytrain.ir.importer;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Which head the imported graph ends with.
 *
 * <ul>
 *   <li>{@link #pretrained()}: the model's own int8 1x1 classifier (1000 ImageNet classes), as in the forward
 *       goldens; the result is {@code int8 [1,1,1,1000]}.</li>
 *   <li>{@link #transfer(float[], float[])}: the authors' transfer-learning head, a float32
 *       {@code Linear(C, N)} on the dequantized pooled feature; the classifier's weights are dropped, only its
 *       input quantization is kept. The result is {@code float32 [1,N]}.</li>
 * </ul>
 */
public final class HeadSpec {
    /** Classes of the default transfer head (Fashion-MNIST, CIFAR-10 and the like). */
    public static final int DEFAULT_CLASSES = 10;
    /** Seed of the default transfer head. */
    public static final long DEFAULT_SEED = 0;
    private final float[] weight;
    private final float[] bias;

    private HeadSpec(float[] weight, float[] bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** The pretrained int8 classifier. */
    public static HeadSpec pretrained() {
        return new HeadSpec(null, null);
    }

    /**
     * A float transfer head with initial values.
     *
     * @param weight row-major {@code [N, C]}
     * @param bias {@code [N]}
     */
    public static HeadSpec transfer(float[] weight, float[] bias) {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(bias, "bias");
        if (bias.length == 0 || weight.length % bias.length != 0) {
            throw new IllegalArgumentException("head weight of " + weight.length + " floats is not [N, C] for N = "
                    + bias.length);
        }
        return new HeadSpec(weight.clone(), bias.clone());
    }

    /**
     * The one default transfer head of tinytrain: {@code Linear(channels, classes)} drawn as PyTorch initialises
     * {@code nn.Linear} (W and b uniform in {@code [-1/sqrt(channels), 1/sqrt(channels))}), from
     * {@code new SplittableRandom(seed)}: W row-major, then b. The same numbers on every run and platform.
     *
     * @throws IllegalArgumentException for fewer than 2 classes or no channels
     */
    public static HeadSpec seeded(int classes, int channels, long seed) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        if (channels < 1) {
            throw new IllegalArgumentException("a head needs at least 1 input channel, got " + channels);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(channels);
        float[] w = new float[classes * channels];
        float[] b = new float[classes];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextDouble(-bound, bound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextDouble(-bound, bound);
        }
        return new HeadSpec(w, b);
    }

    /** {@link #seeded} with {@link #DEFAULT_CLASSES} and {@link #DEFAULT_SEED}. */
    public static HeadSpec defaultTransfer(int channels) {
        return seeded(DEFAULT_CLASSES, channels, DEFAULT_SEED);
    }

    /** True for the pretrained classifier. */
    public boolean isPretrained() {
        return weight == null;
    }

    /** Number of classes of a transfer head. */
    public int classes() {
        return bias.length;
    }

    /** A copy of the transfer head's weight, {@code [N, C]}. */
    public float[] weight() {
        return weight.clone();
    }

    /** A copy of the transfer head's bias. */
    public float[] bias() {
        return bias.clone();
    }
}
