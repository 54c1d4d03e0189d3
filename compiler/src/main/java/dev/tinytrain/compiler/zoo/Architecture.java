package dev.tinytrain.compiler.zoo;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The layer structure of a model of the zoo: a 3x3 stride-2 stem conv, then inverted-residual blocks, then
 * global average pooling and the head. Channels, kernels, strides and residuals are those of the authors'
 * pretrained int8 models ({@code TTE-FACTS.md} §A.2, {@code golden/README.md} §5.1); only the weights differ.
 *
 * @param name the pretrained model this architecture reproduces, e.g. {@code mcunet-5fps}
 * @param inChannels input image channels (3)
 * @param stemChannels output channels of {@code first_conv} (16)
 * @param blocks the blocks in execution order
 */
public record Architecture(String name, int inChannels, int stemChannels, List<BlockSpec> blocks) {
    private static final boolean RES = true;
    private static final boolean NO = false;

    /** Copies the block list and checks that residual blocks keep their channel count. */
    public Architecture {
        blocks = ImmutableList.copyOf(blocks);
        int c = stemChannels;
        for (int i = 0; i < blocks.size(); i++) {
            BlockSpec b = blocks.get(i);
            if (b.residual() && b.out() != c) {
                throw new IllegalArgumentException(name + " block " + i + ": residual needs " + c + " output"
                        + " channels, has " + b.out());
            }
            if (i > 0 && b.expand() == 0) {
                throw new IllegalArgumentException(name + " block " + i + ": only block 0 may lack pointwise1");
            }
            c = b.out();
        }
    }

    private static BlockSpec mb(int expand, int kernel, int stride, int out, boolean residual) {
        return BlockSpec.mb(expand, kernel, stride, out, residual);
    }

    /** Backbone convs: the stem plus every block's convs (TTE's layer index runs over these). */
    public int convCount() {
        return 1 + blocks.stream().mapToInt(BlockSpec::convs).sum();
    }

    /** Residual adds. */
    public int residualCount() {
        return (int) blocks.stream().filter(BlockSpec::residual).count();
    }

    /** Channels of the last block's output: the feature the head sees. */
    public int featureChannels() {
        return blocks.get(blocks.size() - 1).out();
    }

    /** MCUNet (5 FPS variant): 14 blocks, 42 backbone convs, 7 residuals, 160 feature channels. */
    public static final Architecture MCUNET_5FPS = new Architecture("mcunet-5fps", 3, 16, List.of(
            mb(0, 3, 1, 8, NO),
            mb(32, 3, 2, 16, NO),
            mb(48, 3, 1, 16, RES),
            mb(48, 7, 2, 24, NO),
            mb(120, 3, 1, 24, RES),
            mb(120, 3, 2, 40, NO),
            mb(160, 7, 1, 40, RES),
            mb(160, 5, 1, 48, NO),
            mb(144, 3, 1, 48, RES),
            mb(192, 3, 1, 48, RES),
            mb(240, 7, 2, 96, NO),
            mb(384, 5, 1, 96, RES),
            mb(384, 5, 1, 96, RES),
            mb(576, 3, 1, 160, NO)));

    /** MobileNetV2 width 0.35: 17 blocks of 3x3 depthwise convs, 51 backbone convs, 10 residuals, 112 features. */
    public static final Architecture MBV2_W035 = new Architecture("mbv2-w0.35", 3, 16, List.of(
            mb(0, 3, 1, 8, NO),
            mb(48, 3, 2, 8, NO),
            mb(48, 3, 1, 8, RES),
            mb(48, 3, 2, 16, NO),
            mb(96, 3, 1, 16, RES),
            mb(96, 3, 1, 16, RES),
            mb(96, 3, 2, 24, NO),
            mb(144, 3, 1, 24, RES),
            mb(144, 3, 1, 24, RES),
            mb(144, 3, 1, 24, RES),
            mb(144, 3, 1, 32, NO),
            mb(192, 3, 1, 32, RES),
            mb(192, 3, 1, 32, RES),
            mb(192, 3, 2, 56, NO),
            mb(336, 3, 1, 56, RES),
            mb(336, 3, 1, 56, RES),
            mb(336, 3, 1, 112, NO)));

    /** ProxylessNAS (mobile) width 0.3: 20 blocks, 60 backbone convs, 13 residuals, 96 feature channels. */
    public static final Architecture PROXYLESS_W03 = new Architecture("proxyless-w0.3", 3, 16, List.of(
            mb(0, 3, 1, 8, NO),
            mb(24, 5, 2, 16, NO),
            mb(48, 3, 1, 16, RES),
            mb(48, 7, 2, 16, NO),
            mb(48, 3, 1, 16, RES),
            mb(48, 5, 1, 16, RES),
            mb(48, 5, 1, 16, RES),
            mb(96, 7, 2, 24, NO),
            mb(72, 5, 1, 24, RES),
            mb(72, 5, 1, 24, RES),
            mb(72, 5, 1, 24, RES),
            mb(144, 5, 1, 32, NO),
            mb(96, 5, 1, 32, RES),
            mb(96, 5, 1, 32, RES),
            mb(96, 5, 1, 32, RES),
            mb(192, 7, 2, 64, NO),
            mb(384, 7, 1, 64, RES),
            mb(192, 7, 1, 64, RES),
            mb(192, 7, 1, 64, RES),
            mb(384, 7, 1, 96, NO)));
}
