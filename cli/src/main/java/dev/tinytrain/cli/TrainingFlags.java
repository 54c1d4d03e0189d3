package dev.tinytrain.cli;

import picocli.CommandLine.Option;

/**
 * The update options of the commands that train ({@code --lr}, {@code --bias-lr}, {@code --rounding},
 * {@code --no-qas}), as a picocli mixin ({@code @Mixin TrainingFlags training;}), checked in one place.
 * Used by {@code finetune} and {@code search}.
 */
final class TrainingFlags {
    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "X",
            description = "learning rate of conv weights and the head (default: ${DEFAULT-VALUE})")
    float lr;

    @Option(names = "--bias-lr", paramLabel = "Y", description = "learning rate of conv biases (default: --lr)")
    Float biasLr;

    @Option(names = "--rounding", defaultValue = "stochastic", paramLabel = "MODE",
            description = "storage of updated int8 weights / int32 biases: stochastic, nearest_even, float_master"
                    + " (default: ${DEFAULT-VALUE})")
    String rounding;

    @Option(names = "--no-qas", description = "turn quantization-aware scaling of conv gradients off")
    boolean noQas;

    /**
     * The learning rates (checked finite and >= 0), rounding mode (normalised) and QAS.
     *
     * @throws IllegalArgumentException naming the option at fault
     */
    Checked check() {
        float b = biasLr != null ? biasLr : lr;
        if (!(lr >= 0) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("--lr: must be finite and >= 0, got " + lr);
        }
        if (!(b >= 0) || Float.isInfinite(b)) {
            throw new IllegalArgumentException("--bias-lr: must be finite and >= 0, got " + b);
        }
        return new Checked(lr, b, FinetuneCommand.normaliseRounding(rounding), !noQas);
    }

    /**
     * Checked update options.
     *
     * @param lr learning rate of weights and the head
     * @param biasLr learning rate of biases
     * @param rounding the rounding mode, normalised
     * @param qas quantization-aware scaling on
     */
    record Checked(float lr, float biasLr, String rounding, boolean qas) {
    }
}
