package dev.tinytrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.Autodiff;
import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.ops.AddGrad;
import dev.tinytrain.ir.ops.ChannelSlice;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.QuantizedAdd;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pruning the real models' training steps: what stays is exactly what the trained parameters need. */
class PrunerModelTest {
    private static final Map<String, TrainingGraph> FULL = new HashMap<>();

    private static synchronized TrainingGraph full(String model) {
        return FULL.computeIfAbsent(model, m -> Autodiff.differentiate(Models.load(m).graph(),
                TrainingOptions.of(0.000390625f, "nearest_even")));
    }

    /** mcunet-99kb: the mcunet golden scheme. */
    @Test
    void mcunet99kbKeepsOnlyWhatItsGradientsNeed() {
        ImportedModel m = Models.load(Models.MCUNET);
        TrainingGraph t = Pruner.prune(full(Models.MCUNET), Presets.get("mcunet-99kb"), m.convOrder());
        Graph g = t.graph();
        Ops ops = Ops.of(g, m.convOrder());

        // the trained parameters, and nothing else, have an update and a gradient
        Set<String> trained = new TreeSet<>(PresetsTest.trained(PolicyResolver.resolve(Presets.get("mcunet-99kb"),
                m.graph(), m.convOrder())));
        assertEquals(30, trained.size());
        assertEquals(trained, new TreeSet<>(t.gradients().keySet()));
        assertEquals(trained, ops.updated);
        assertEquals(Set.of(21, 24, 27, 30, 36, 39), ops.weightGrads);
        assertEquals(range(20, 42), ops.biasGrads);

        // nothing below the deepest trained layer (conv 20, blocks[6].pointwise2, bias only)
        assertEquals(range(20, 42), ops.gradOutputs, "conv_grad_output for convs 20..41 only");
        assertEquals(range(21, 42), ops.gradInputs, "conv_grad_input for convs 21..41: conv 20 needs no dx");
        for (Node n : g.nodes()) {
            for (String below : List.of("first_conv", "blocks[0].", "blocks[1].", "blocks[2].", "blocks[3].",
                    "blocks[4].", "blocks[5].", "blocks[6].pointwise1", "blocks[6].depthwise")) {
                assertFalse(isBackward(n) && n.name().startsWith(below), "gradient op below the window: "
                        + n.name());
            }
        }

        // masks only where a kept gradient needs them
        assertEquals(range(20, 42), ops.convMasks);
        assertEquals(Set.of("blocks[6]", "blocks[8]", "blocks[9]", "blocks[11]", "blocks[12]"), ops.addMasks);
        // the shortcut gradient of an add flows only into blocks that still need it
        assertEquals(Set.of("blocks[8]", "blocks[9]", "blocks[11]", "blocks[12]"), ops.shortcutGrads);

        // partial layers read a slice placed right after the sliced value's definition; full ones read x
        assertEquals(Map.of("blocks[11].slice.blocks[12].pointwise1", 12, "blocks[12].slice.blocks[13].pointwise1",
                24), ops.slices);
        assertSliceRightAfter(g, "blocks[11]", "blocks[11].slice.blocks[12].pointwise1");
        assertSliceRightAfter(g, "blocks[12]", "blocks[12].slice.blocks[13].pointwise1");
        Trainability b12 = g.parameter("blocks[12].pointwise1.params.weight").orElseThrow().trainability();
        Node grad12 = g.producer(t.gradient("blocks[12].pointwise1.params.weight")).orElseThrow();
        assertEquals("blocks[11].slice.blocks[12].pointwise1", grad12.inputs().get(0).name());
        assertEquals(b12.channels(), ((ConvGradWeight) grad12.op()).channels());
        assertEquals(List.of(384, 1, 1, 12), grad12.output().type().shape().dims());
        Node update12 = node(g, "update:blocks[12].pointwise1.params.weight");
        assertEquals(b12.channels(), ((SgdUpdate) update12.op()).channels());
        Node grad21 = g.producer(t.gradient("blocks[7].pointwise1.params.weight")).orElseThrow();
        assertEquals("blocks[6]", grad21.inputs().get(0).name(), "a fully trained weight reads its whole input");
        assertEquals(List.of(), ((ConvGradWeight) grad21.op()).channels());
    }

    static List<Arguments> presetsOnTheirModels() {
        List<Arguments> out = new ArrayList<>();
        for (String p : Presets.names()) {
            String model = p.startsWith("mcunet") ? Models.MCUNET : p.startsWith("mbv2") ? Models.MBV2
                    : p.startsWith("proxyless") ? Models.PROXYLESS : null;
            if (model == null) {
                for (String mm : List.of(Models.MCUNET, Models.MBV2, Models.PROXYLESS)) {
                    out.add(Arguments.of(p, mm));
                }
            } else {
                out.add(Arguments.of(p, model));
            }
        }
        return out;
    }

    /**
     * The general rules, with d the lowest conv that trains anything: conv_grad_output and a saved mask exactly for
     * convs >= d, conv_grad_input exactly above d, a gradient per trained parameter, an add mask exactly where its
     * conv branch is >= d, one slice per partially trained dense weight.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("presetsOnTheirModels")
    void everyPresetPrunesToWhatItsGradientsNeed(String preset, String model) {
        ImportedModel m = Models.load(model);
        Map<String, Trainability> t = PolicyResolver.resolve(Presets.get(preset), m.graph(), m.convOrder());
        TrainingGraph pruned = Pruner.prune(full(model), t);
        Graph g = pruned.graph();
        Ops ops = Ops.of(g, m.convOrder());
        int n = m.convOrder().size();
        Set<Integer> weights = new TreeSet<>();
        Set<Integer> biases = new TreeSet<>();
        Map<String, Integer> partialDense = new HashMap<>();
        int deepest = n;
        for (int i = n - 1; i >= 0; i--) {
            String path = m.convOrder().get(i);
            Trainability w = t.get(path + ".params.weight");
            if (w.trainable()) {
                weights.add(i);
                deepest = i;
                Parameter p = g.parameter(path + ".params.weight").orElseThrow();
                if (!w.allChannels() && p.value().type().layout() != Layout.DEPTHWISE) {
                    partialDense.put(producerName(g, path) + ".slice." + path, w.channels().size());
                }
            }
            if (t.get(path + ".params.bias").trainable()) {
                biases.add(i);
                deepest = i;
            }
        }
        assertEquals(weights, ops.weightGrads);
        assertEquals(biases, ops.biasGrads);
        assertEquals(range(deepest, n), ops.gradOutputs);
        assertEquals(range(Math.max(deepest + 1, 1), n), ops.gradInputs);
        assertEquals(range(deepest, n), ops.convMasks);
        int d = deepest;
        Set<String> expectedAddMasks = g.nodes().stream().filter(x -> x.op() instanceof QuantizedAdd)
                .filter(x -> m.convOrder().indexOf(x.name() + ".pointwise2") >= d).map(Node::name)
                .collect(Collectors.toSet());
        assertEquals(expectedAddMasks, ops.addMasks);
        assertEquals(partialDense, ops.slices);
        assertEquals(new TreeSet<>(PresetsTest.trained(t)), ops.updated);
        assertEquals(new TreeSet<>(PresetsTest.trained(t)), new TreeSet<>(pruned.gradients().keySet()));
        for (String s : partialDense.keySet()) {
            assertSliceRightAfter(g, s.substring(0, s.indexOf(".slice.")), s);
        }
    }

    private static String producerName(Graph g, String convPath) {
        return node(g, convPath).inputs().get(0).name();
    }

    private static void assertSliceRightAfter(Graph g, String value, String slice) {
        List<Node> nodes = g.nodes();
        int def = IntStream.range(0, nodes.size()).filter(i -> nodes.get(i).outputs().stream()
                .anyMatch(v -> v.name().equals(value))).findFirst().orElseThrow();
        int s = IntStream.range(0, nodes.size()).filter(i -> nodes.get(i).name().equals(slice)).findFirst()
                .orElseThrow();
        assertTrue(s > def, slice + " after " + value);
        for (int i = def + 1; i < s; i++) {
            assertTrue(nodes.get(i).op() instanceof ChannelSlice, slice + " directly after " + value);
        }
    }

    private static Node node(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    private static boolean isBackward(Node n) {
        return switch (n.op().kind()) {
            case CONV_GRAD_OUTPUT, CONV_GRAD_INPUT, CONV_GRAD_WEIGHT, CONV_GRAD_BIAS, ADD_GRAD, ACCUMULATE,
                    CHANNEL_SLICE, SGD_UPDATE -> true;
            default -> false;
        };
    }

    private static Set<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().collect(Collectors.toCollection(TreeSet::new));
    }

    /** The backward ops of a pruned graph, by the backbone conv (index) or add (block) they belong to. */
    record Ops(Set<Integer> gradOutputs, Set<Integer> gradInputs, Set<Integer> weightGrads, Set<Integer> biasGrads,
               Set<Integer> convMasks, Set<String> addMasks, Set<String> shortcutGrads, Map<String, Integer> slices,
               Set<String> updated) {

        static Ops of(Graph g, List<String> order) {
            Map<String, Integer> convOfWeight = new HashMap<>();
            Map<String, Integer> convOfGacc = new HashMap<>();
            for (Node n : g.nodes()) {
                if (n.op() instanceof Conv2d && order.contains(n.name())) {
                    convOfWeight.put(n.inputs().get(1).name(), order.indexOf(n.name()));
                }
            }
            Ops o = new Ops(new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>(),
                    new TreeSet<>(), new TreeSet<>(), new HashMap<>(), new TreeSet<>());
            for (Node n : g.nodes()) {
                switch (n.op().kind()) {
                    case CONV2D -> {
                        if (((Conv2d) n.op()).saveMask()) {
                            o.convMasks.add(order.indexOf(n.name()));
                        }
                    }
                    case QUANTIZED_ADD -> {
                        if (((QuantizedAdd) n.op()).saveMask()) {
                            o.addMasks.add(n.name());
                        }
                    }
                    case CONV_GRAD_OUTPUT -> {
                        String mask = n.inputs().get(1).name();
                        int idx = order.indexOf(mask.substring(0, mask.length() - ".mask".length()));
                        o.gradOutputs.add(idx);
                        convOfGacc.put(n.output().name(), idx);
                    }
                    case CONV_GRAD_INPUT -> o.gradInputs.add(convOfWeight.get(n.inputs().get(1).name()));
                    case CONV_GRAD_WEIGHT -> o.weightGrads.add(convOfWeight.get(n.inputs().get(2).name()));
                    case CONV_GRAD_BIAS -> o.biasGrads.add(convOfGacc.get(n.inputs().get(0).name()));
                    case ADD_GRAD -> {
                        if (((AddGrad) n.op()).operand() == 0) {
                            String mask = n.inputs().get(1).name();
                            o.shortcutGrads.add(mask.substring(0, mask.length() - ".mask".length()));
                        }
                    }
                    case CHANNEL_SLICE -> o.slices.put(n.name(), ((ChannelSlice) n.op()).channels().size());
                    case SGD_UPDATE -> o.updated.add(n.inputs().get(0).name());
                    default -> {
                    }
                }
            }
            assertTrue(o.gradOutputs.stream().allMatch(i -> i >= 0));
            assertEquals(OpKind.SGD_UPDATE, g.nodes().get(g.nodes().size() - 1).op().kind());
            return o;
        }
    }

}
