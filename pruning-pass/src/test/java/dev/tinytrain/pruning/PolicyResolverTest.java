package dev.tinytrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.pruning.ChannelSelection.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Resolution on a real model, channel rules, and every policy error with its message. */
class PolicyResolverTest {

    private static ImportedModel mcunet() {
        return Models.load(Models.MCUNET);
    }

    private static Map<String, Trainability> resolve(SparseUpdatePolicy p) {
        return PolicyResolver.resolve(p, mcunet().graph(), mcunet().convOrder());
    }

    private static String error(Executable e) {
        return assertThrows(PolicyException.class, e).getMessage();
    }

    private static String resolveError(SparseUpdatePolicy p) {
        return error(() -> resolve(p));
    }

    @Test
    void everyParameterIsResolvedInGraphOrder() {
        Map<String, Trainability> t = resolve(Presets.get("mcunet-99kb"));
        List<String> params = mcunet().graph().parameters().stream().map(p -> p.name()).toList();
        assertEquals(params, new ArrayList<>(t.keySet()));
    }

    @Test
    void layersCanBeNamedByIndexPathOrAsTheLastOnes() {
        SparseUpdatePolicy byName = SparseUpdatePolicy.builder().biasWindow(3)
                .weight("blocks[13].depthwise", ChannelSelection.ratio(0.5, Rule.FIRST_K))
                .weight(41).build();
        Map<String, Trainability> t = resolve(byName);
        assertEquals(Trainability.channels(range(288)), t.get("blocks[13].depthwise.params.weight"));
        assertEquals(Trainability.ALL, t.get("blocks[13].pointwise2.params.weight"));
        assertEquals(Trainability.FROZEN, t.get("blocks[13].pointwise1.params.weight"));
        assertEquals(Trainability.ALL, t.get("blocks[13].pointwise1.params.bias"));
        assertEquals(Trainability.FROZEN, t.get("blocks[12].pointwise2.params.bias"));
        SparseUpdatePolicy last = SparseUpdatePolicy.builder().biasWindow(3)
                .lastWeights(2, ChannelSelection.all()).build();
        assertEquals(List.of("blocks[13].depthwise.params.weight", "blocks[13].depthwise.params.bias",
                "blocks[13].pointwise2.params.weight", "blocks[13].pointwise2.params.bias",
                "blocks[13].pointwise1.params.bias", "head.weight", "head.bias").stream().sorted().toList(),
                PresetsTest.trained(resolve(last)).stream().sorted().toList());
    }

    @Test
    void explicitChannelsAreSortedAndAllChannelsMeanAll() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(6)
                .weight(36, ChannelSelection.explicit(List.of(7, 3, 95)))
                .weight(39, ChannelSelection.explicit(range(96)))
                .build();
        Map<String, Trainability> t = resolve(p);
        assertEquals(Trainability.channels(List.of(3, 7, 95)), t.get("blocks[12].pointwise1.params.weight"));
        assertEquals(Trainability.ALL, t.get("blocks[13].pointwise1.params.weight"));
    }

    @Test
    void firstKKeepsFloorOfRatioTimesChannels() {
        // 0.3 of 96 = 28.8 -> 28, as the authors' int(C * r)
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(6)
                .weight(36, ChannelSelection.ratio(0.3, Rule.FIRST_K)).build();
        assertEquals(Trainability.channels(range(28)), resolve(p).get("blocks[12].pointwise1.params.weight"));
    }

    @Test
    void magnitudeBreaksTiesTowardsTheLowerChannel() {
        Graph g = smallGraph(new byte[] {1, 2, 2, 1, 1, 2, 2, 1}, 1); // [2 out,1,1,4 in]: norms 2, 8, 8, 2
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(1)
                .weight(0, ChannelSelection.ratio(0.25, Rule.MAGNITUDE)).build();
        assertEquals(Trainability.channels(List.of(1)),
                PolicyResolver.resolve(p, g, List.of("conv")).get("conv.weight"));
        SparseUpdatePolicy half = SparseUpdatePolicy.builder().biasWindow(1)
                .weight(0, ChannelSelection.ratio(0.75, Rule.MAGNITUDE)).build();
        assertEquals(Trainability.channels(List.of(0, 1, 2)),
                PolicyResolver.resolve(half, g, List.of("conv")).get("conv.weight"));
    }

    // ---- errors

    @Test
    void aConvIndexThatDoesNotExist() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(10).weight(42).build();
        assertEquals("weights[0]: conv index 42 does not exist; graph 'mcunet-5fps' has 42 backbone convs (0..41);"
                + " is the policy written for another model?", resolveError(p));
    }

    @Test
    void aLayerNameThatDoesNotExist() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(10)
                .weight(39).weight("blocks[14].pointwise1", ChannelSelection.all()).build();
        assertEquals("weights[1]: layer 'blocks[14].pointwise1' is not a backbone conv of graph 'mcunet-5fps'"
                + " (they are first_conv .. blocks[13].pointwise2)", resolveError(p));
    }

    @Test
    void moreLastConvsThanTheModelHas() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().allBiases().lastWeights(43, ChannelSelection.all())
                .build();
        assertEquals("weights[0]: the last 43 convs do not exist; graph 'mcunet-5fps' has 42 backbone convs;"
                + " is the policy written for another model?", resolveError(p));
    }

    @Test
    void aBiasWindowLargerThanTheModel() {
        assertEquals("bias_window: 45 exceeds the 42 backbone convs of graph 'mcunet-5fps'; is the policy written"
                + " for another model?", resolveError(SparseUpdatePolicy.builder().biasWindow(45).build()));
    }

    @Test
    void aPresetForAnotherModel() {
        assertEquals("the policy is written for mbv2-w0.35 (51 backbone convs); graph 'mcunet-5fps' has 42"
                + " backbone convs", resolveError(Presets.get("mbv2-99kb")));
        ImportedModel proxyless = Models.load(Models.PROXYLESS);
        assertEquals("the policy is written for mcunet-5fps (42 backbone convs); graph 'proxyless-w0.3' has 60"
                + " backbone convs", error(() -> PolicyResolver.resolve(Presets.get("mcunet-99kb"),
                proxyless.graph(), proxyless.convOrder())));
    }

    @Test
    void ratiosOutsideZeroToOne() {
        assertEquals("ratio must be in (0, 1], got 1.5", error(() -> ChannelSelection.ratio(1.5, Rule.MAGNITUDE)));
        assertEquals("ratio must be in (0, 1], got 0.0", error(() -> ChannelSelection.ratio(0, Rule.FIRST_K)));
        assertEquals("ratio must be in (0, 1], got -0.25", error(() -> ChannelSelection.ratio(-0.25, Rule.FIRST_K)));
        assertEquals("ratio must be in (0, 1], got NaN", error(() -> ChannelSelection.ratio(Double.NaN,
                Rule.FIRST_K)));
    }

    @Test
    void aRatioThatKeepsNoChannel() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().allBiases()
                .weight(0, ChannelSelection.ratio(0.125, Rule.MAGNITUDE)).build();
        assertEquals("weights[0]: ratio 0.125 of the 3 input channels of first_conv (conv 0) keeps no channel",
                resolveError(p));
    }

    @Test
    void explicitChannelsOutOfRangeOrDuplicated() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(6).weight(36)
                .weight(40, ChannelSelection.explicit(List.of(0, 575, 576))).build();
        assertEquals("weights[1]: channel 576 is out of range for the 576 channels of blocks[13].depthwise (conv 40)",
                resolveError(p));
        assertEquals("channel 4 is listed twice", error(() -> ChannelSelection.explicit(List.of(4, 1, 4))));
        assertEquals("channel -1 is negative", error(() -> ChannelSelection.explicit(List.of(-1))));
        assertEquals("an explicit channel list needs at least one channel",
                error(() -> ChannelSelection.explicit(List.of())));
    }

    @Test
    void aWeightOutsideTheBiasWindow() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(21).weight(21).weight(24).weight(20).build();
        assertEquals("weights[2]: the weight of conv 20 (blocks[6].pointwise2) is outside the bias window (the last"
                + " 21 convs, 21..41); TTE requires every weight-updated conv to update its bias", resolveError(p));
        SparseUpdatePolicy none = SparseUpdatePolicy.builder().weight(41).build();
        assertEquals("weights[0]: the weight of conv 41 (blocks[13].pointwise2) is outside the bias window (no"
                + " conv); TTE requires every weight-updated conv to update its bias", resolveError(none));
    }

    @Test
    void theSameConvTwice() {
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(6).weight(39)
                .weight("blocks[13].pointwise1", ChannelSelection.ratio(0.5, Rule.FIRST_K)).build();
        assertEquals("weights[1]: conv 39 (blocks[13].pointwise1) is already listed in weights[0]",
                resolveError(p));
        SparseUpdatePolicy overlap = SparseUpdatePolicy.builder().biasWindow(6).weight(40)
                .lastWeights(3, ChannelSelection.all()).build();
        assertEquals("weights[1]: conv 40 (blocks[13].depthwise) is already listed in weights[0]",
                resolveError(overlap));
    }

    @Test
    void aConvOrderThatDoesNotMatchTheGraph() {
        List<String> order = new ArrayList<>(mcunet().convOrder());
        order.set(5, "blocks[1].pointwise3");
        assertEquals("conv order: layer 'blocks[1].pointwise3' (conv 5) is not a conv node (conv2d or tfl.conv2d)"
                + " of graph 'mcunet-5fps'", error(() -> PolicyResolver.resolve(Presets.get("head-only"), mcunet().graph(),
                order)));
        assertEquals("conv order: layer 'avgpool' (conv 0) is not a conv node (conv2d or tfl.conv2d) of graph 'mcunet-5fps'",
                error(() -> PolicyResolver.resolve(Presets.get("head-only"), mcunet().graph(), List.of("avgpool"))));
    }

    @Test
    void aPartialGroupedConv() {
        Graph g = smallGraph(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 2); // 4 in, 4 out, 2 groups: [4,1,1,2]
        SparseUpdatePolicy p = SparseUpdatePolicy.builder().biasWindow(1)
                .weight(0, ChannelSelection.ratio(0.5, Rule.FIRST_K)).build();
        assertEquals("weights[0]: conv is a grouped conv (groups 2); only dense and depthwise convs can train a"
                + " subset of channels", error(() -> PolicyResolver.resolve(p, g, List.of("conv"))));
        SparseUpdatePolicy full = SparseUpdatePolicy.builder().biasWindow(1).weight(0).build();
        assertEquals(Trainability.ALL, PolicyResolver.resolve(full, g, List.of("conv")).get("conv.weight"));
    }

    @Test
    void constructorsRejectNonsense() {
        assertEquals("bias_window must be >= 0, got -1", error(() -> SparseUpdatePolicy.builder().biasWindow(-1)
                .build()));
        assertEquals("conv index must be >= 0, got -3", error(() -> LayerRef.index(-3)));
        assertEquals("the number of last convs must be >= 1, got 0", error(() -> LayerRef.last(0)));
        assertEquals("layer name must be non-empty", error(() -> LayerRef.named(" ")));
    }

    /** One 1x1 conv named {@code conv} on a 2x2x4 input; weight bytes OHWI. */
    private static Graph smallGraph(byte[] weight, int groups) {
        GraphBuilder b = new GraphBuilder("small");
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 2, 2, 4), Layout.NHWC,
                Quantization.perTensor(0.1, 0)));
        int cout = weight.length / (4 / groups);
        float[] scales = new float[cout];
        java.util.Arrays.fill(scales, 0.01f);
        Value w = b.parameter("conv.weight", TensorType.quantized(DType.INT8, Shape.of(cout, 1, 1, 4 / groups),
                Layout.OHWI, Quantization.perChannel(scales, 0)), TensorData.ofInt8(weight));
        Value bias = b.parameter("conv.bias", TensorType.of(DType.INT32, Shape.of(cout), Layout.ROW_MAJOR),
                TensorData.ofInt32(new int[cout]));
        Value y = b.add("conv", Conv2d.samePadding(1, 1, groups, Quantization.perTensor(0.1, 0)), x, w, bias);
        return b.output(y).build();
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }
}
