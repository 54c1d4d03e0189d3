package dev.tinytrain.ir.importer;

import java.util.Objects;

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
