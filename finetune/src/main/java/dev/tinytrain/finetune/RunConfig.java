package dev.tinytrain.finetune;

import java.util.List;

/**
 * The settings of a run, echoed in the results JSON ({@code config}).
 *
 * @param model the model folder as given
 * @param modelName the imported model's name
 * @param weightsSha256 sha256 of its weights file
 * @param scheme the sparse-update scheme (preset name)
 * @param target the target whose budgets the plan was checked against
 * @param rounding int8/int32 update rounding: nearest_even, stochastic or float_master
 * @param qas quantization-aware scaling on
 * @param lr learning rate of conv weights and the float head
 * @param biasLr learning rate of conv biases
 * @param lrSchedule the factor each step multiplies both rates by
 * @param seed seed (stochastic rounding, the shuffles when no order files are given, the default head, the flips)
 * @param resolution network input height and width
 * @param epochs epochs run
 * @param trainData training Arrow file
 * @param trainImages training images used (the first N of the file)
 * @param testData test Arrow file
 * @param testImages test images used (the first N of the file)
 * @param orders the order files, one per epoch, or empty for seeded shuffles
 * @param orderSha256 sha256 of each epoch's order as little-endian int32 (also for seeded shuffles)
 * @param headInit the head initialisation file, or null for a seeded PyTorch-style init
 * @param classes classes of the head
 * @param evalEvery test evaluation every this many steps of an epoch (0 = only at the end of each epoch)
 * @param evalEveryFrom first epoch with the {@code evalEvery} checkpoints
 * @param hflip random horizontal flips of training images
 * @param threads evaluation threads
 * @param inputPixels how pixels become the model's int8 input ({@link InputPixels#description()})
 */
public record RunConfig(String model, String modelName, String weightsSha256, String scheme, String target,
                        String rounding, boolean qas, float lr, float biasLr, LearningRateSchedule lrSchedule, long seed, int resolution, int epochs,
                        String trainData, int trainImages, String testData, int testImages, List<String> orders,
                        List<String> orderSha256, String headInit, int classes, int evalEvery, int evalEveryFrom, boolean hflip,
                        int threads, String inputPixels) {
    /** Copies the lists. */
    public RunConfig {
        java.util.Objects.requireNonNull(lrSchedule, "lrSchedule");
        java.util.Objects.requireNonNull(inputPixels, "inputPixels");
        orders = List.copyOf(orders);
        orderSha256 = List.copyOf(orderSha256);
    }
}
