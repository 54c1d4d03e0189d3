package dev.tinytrain.autodiff;

import dev.tinytrain.ir.ops.SgdUpdate;

/**
 * How the training step updates parameters.
 *
 * @param lr learning rate of weights and of the float head
 * @param biasLr learning rate of conv biases
 * @param rounding int8/int32 storage after an update: {@code nearest_even}, {@code stochastic} or
 *     {@code float_master} (see {@link SgdUpdate})
 * @param qas quantization-aware scaling of conv weight and bias gradients
 * @param seed seed of the stochastic-rounding generator
 */
public record TrainingOptions(float lr, float biasLr, String rounding, boolean qas, int seed) {

    /** Validates the rates and the rounding mode. */
    public TrainingOptions {
        if (!(lr >= 0) || Float.isInfinite(lr) || !(biasLr >= 0) || Float.isInfinite(biasLr)) {
            throw new IllegalArgumentException("learning rates must be finite and >= 0, got " + lr + " and " + biasLr);
        }
        if (!SgdUpdate.ROUNDING_MODES.contains(rounding)) {
            throw new IllegalArgumentException("rounding must be one of " + SgdUpdate.ROUNDING_MODES + ", got '"
                    + rounding + "'");
        }
    }

    /** One learning rate for everything, QAS on. */
    public static TrainingOptions of(float lr, String rounding) {
        return new TrainingOptions(lr, lr, rounding, true, 0);
    }
}
