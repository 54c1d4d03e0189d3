package dev.tinytrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.importer.ImportedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The named presets resolve on their models to the TTE schemes and to the train goldens' updated parameters. */
class PresetsTest {

    @Test
    void namesAreTheFifteenTteSchemesThenTheGoldenAndGenericOnes() {
        assertEquals(List.of("mcunet-49kb", "mcunet-74kb", "mcunet-99kb", "mcunet-124kb", "mcunet-148kb",
                "mbv2-49kb", "mbv2-73kb", "mbv2-99kb", "mbv2-123kb", "mbv2-138kb",
                "proxyless-49kb", "proxyless-74kb", "proxyless-98kb", "proxyless-120kb", "proxyless-148kb",
                "mbv2-golden", "proxyless-golden", "head-only", "all"), Presets.names());
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        PolicyException e = assertThrows(PolicyException.class, () -> Presets.get("mcunet-100kb"));
        assertEquals("unknown sparse-update preset 'mcunet-100kb'; known presets: " + String.join(", ",
                Presets.names()) + ", and for any model " + Presets.GENERIC_FAMILIES, e.getMessage());
    }

    @Test
    void genericFamiliesApplyToAnyModel() {
        assertEquals(SparseUpdatePolicy.builder().biasWindow(7).build(), Presets.get("last-7-biases"));
        assertEquals(SparseUpdatePolicy.builder().biasWindow(6)
                        .lastWeights(2, ChannelSelection.ratio(0.5, ChannelSelection.Rule.MAGNITUDE)).build(),
                Presets.get("last-6-biases-2-weights-0.5"));
        assertEquals(SparseUpdatePolicy.builder().biasWindow(3)
                        .lastWeights(3, ChannelSelection.ratio(1, ChannelSelection.Rule.MAGNITUDE)).build(),
                Presets.get("last-3-biases-3-weights-1"));
        assertEquals("preset 'last-2-biases-3-weights-0.5': the weights of the last 3 convs must lie inside the bias"
                + " window of the last 2 (1 <= M <= N)", assertThrows(PolicyException.class,
                () -> Presets.get("last-2-biases-3-weights-0.5")).getMessage());
        assertTrue(assertThrows(PolicyException.class, () -> Presets.get("last-2-biases-1-weights-1.5"))
                .getMessage().startsWith("preset 'last-2-biases-1-weights-1.5': "));
        assertTrue(assertThrows(PolicyException.class, () -> Presets.get("last-x-biases"))
                .getMessage().startsWith("unknown sparse-update preset 'last-x-biases'"));
    }

    /**
     * Expected counts derived by hand from {@code TTE-FACTS.md} §F.2 (ratio-0 entries dropped) and the layer
     * tables: {@code partial} lists {@code convIndex:keptChannels} of the weights trained on a subset, where
     * {@code kept = floor(ratio * C)}.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "mcunet-49kb;     mcunet-5fps;    20; 3; 24:12 27:24 30:24",
        "mcunet-74kb;     mcunet-5fps;    21; 4; 27:24",
        "mcunet-99kb;     mcunet-5fps;    22; 6; 36:12 39:24",
        "mcunet-124kb;    mcunet-5fps;    24; 6; 21:10 33:48 39:48",
        "mcunet-148kb;    mcunet-5fps;    23; 6; 39:48",
        "mbv2-49kb;       mbv2-w0.35;     16; 7; 41:48 42:7 45:7 48:7 49:42",
        "mbv2-73kb;       mbv2-w0.35;     20; 8; 32:18 33:16 36:16 41:48 42:7 45:7",
        "mbv2-99kb;       mbv2-w0.35;     25; 8; 42:7 45:28",
        "mbv2-123kb;      mbv2-w0.35;     31; 8; 42:28",
        "mbv2-138kb;      mbv2-w0.35;     34; 8; ''",
        "proxyless-49kb;  proxyless-w0.3; 21; 6; 39:8 51:8 54:16 57:16",
        "proxyless-74kb;  proxyless-w0.3; 28; 8; 33:12 36:8 51:32 54:16 57:32",
        "proxyless-98kb;  proxyless-w0.3; 25; 8; 39:16 48:16 51:32",
        "proxyless-120kb; proxyless-w0.3; 32; 8; 48:32",
        "proxyless-148kb; proxyless-w0.3; 45; 8; ''",
        "mbv2-golden;     mbv2-w0.35;      6; 2; ''",
        "proxyless-golden; proxyless-w0.3; 6; 2; ''",
    })
    void tteSchemesResolveToTheirCounts(String preset, String model, int biases, int weights, String partial) {
        ImportedModel m = Models.load(model);
        Map<String, Trainability> t = PolicyResolver.resolve(Presets.get(preset), m.graph(), m.convOrder());
        Summary s = Summary.of(t, m);
        assertEquals(biases, s.biases, "trained backbone biases");
        assertEquals(weights, s.weights, "trained backbone weights");
        assertEquals(partial, s.partialText(), "partially trained weights (conv index: kept channels)");
        assertEquals(Trainability.ALL, t.get("head.weight"));
        assertEquals(Trainability.ALL, t.get("head.bias"));
        // the biases are exactly the last ones, and every trained weight's bias is trained
        int n = m.convOrder().size();
        for (int i = 0; i < n; i++) {
            String path = m.convOrder().get(i);
            assertEquals(i >= n - biases, t.get(path + ".params.bias").trainable(), path);
            if (t.get(path + ".params.weight").trainable()) {
                assertTrue(t.get(path + ".params.bias").trainable(), path);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Models.MCUNET, Models.MBV2, Models.PROXYLESS})
    void headOnlyAndAllFitEveryModel(String model) {
        ImportedModel m = Models.load(model);
        Map<String, Trainability> head = PolicyResolver.resolve(Presets.get("head-only"), m.graph(), m.convOrder());
        assertEquals(List.of("head.weight", "head.bias"), trained(head));
        Map<String, Trainability> all = PolicyResolver.resolve(Presets.get("all"), m.graph(), m.convOrder());
        assertEquals(2 * m.convOrder().size() + 2, trained(all).size());
        assertTrue(all.values().stream().allMatch(Trainability::allChannels));
    }

    /** mcunet-99kb is the mcunet train goldens' scheme: same parameters, channel counts and MAGNITUDE masks. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void mcunet99kbIsTheMcunetGoldenScheme(int index) {
        ImportedModel m = Models.load(Models.MCUNET);
        Map<String, Trainability> t = PolicyResolver.resolve(Presets.get("mcunet-99kb"), m.graph(), m.convOrder());
        JsonNode header = Models.goldenHeader(Models.MCUNET, "train_" + index);
        assertGoldenUpdated(header, t, m);
        int masks = 0;
        for (JsonNode u : header.get("updated")) {
            if (u.has("keep_mask")) {
                byte[] mask = Models.goldenTensor(Models.MCUNET, "train_" + index, u.get("keep_mask").asText());
                List<Integer> expected = new ArrayList<>();
                for (int c = 0; c < mask.length; c++) {
                    if (mask[c] != 0) {
                        expected.add(c);
                    }
                }
                assertEquals(expected, t.get(u.get("param").asText()).channels(), u.get("param").asText());
                masks++;
            }
        }
        assertEquals(2, masks, "blocks[12] and blocks[13] pointwise1 keep masks");
        assertEquals(12, t.get("blocks[12].pointwise1.params.weight").channels().size());
        assertEquals(24, t.get("blocks[13].pointwise1.params.weight").channels().size());
    }

    @ParameterizedTest
    @CsvSource({"mbv2-golden, mbv2-w0.35", "proxyless-golden, proxyless-w0.3"})
    void goldenSchemesMatchTheGoldensUpdatedLists(String preset, String model) {
        ImportedModel m = Models.load(model);
        Map<String, Trainability> t = PolicyResolver.resolve(Presets.get(preset), m.graph(), m.convOrder());
        assertGoldenUpdated(Models.goldenHeader(model, "train_0"), t, m);
    }

    @Test
    void goldenUpdatedListsHaveTheDocumentedSizes() {
        assertEquals(30, Models.goldenHeader(Models.MCUNET, "train_0").get("updated").size());
        assertEquals(10, Models.goldenHeader(Models.MBV2, "train_0").get("updated").size());
        assertEquals(10, Models.goldenHeader(Models.PROXYLESS, "train_0").get("updated").size());
    }

    /** The trained parameters are the golden's {@code updated} list, with its {@code keep_channels} counts. */
    private static void assertGoldenUpdated(JsonNode header, Map<String, Trainability> t, ImportedModel m) {
        TreeSet<String> expected = new TreeSet<>();
        for (JsonNode u : header.get("updated")) {
            String param = u.get("param").asText();
            expected.add(param);
            if (u.has("keep_channels")) {
                Parameter p = m.graph().parameter(param).orElseThrow();
                int all = p.value().type().shape().dim(3);
                int kept = t.get(param).allChannels() ? all : t.get(param).channels().size();
                assertEquals(u.get("keep_channels").asInt(), kept, param);
            }
            if (!u.get("conv_index").isNull()) {
                String path = param.substring(0, param.indexOf(".params."));
                assertEquals(u.get("conv_index").asInt(), m.convOrder().indexOf(path), param);
            }
        }
        assertEquals(expected, new TreeSet<>(trained(t)));
        assertEquals(header.get("frozen").size(), t.size() - expected.size());
    }

    static List<String> trained(Map<String, Trainability> t) {
        return t.entrySet().stream().filter(e -> e.getValue().trainable()).map(Map.Entry::getKey).toList();
    }

    /** Counts of a resolution. */
    record Summary(int biases, int weights, Map<Integer, Integer> partial) {
        static Summary of(Map<String, Trainability> t, ImportedModel m) {
            int biases = 0;
            int weights = 0;
            Map<Integer, Integer> partial = new TreeMap<>();
            for (int i = 0; i < m.convOrder().size(); i++) {
                String path = m.convOrder().get(i);
                biases += t.get(path + ".params.bias").trainable() ? 1 : 0;
                Trainability w = t.get(path + ".params.weight");
                weights += w.trainable() ? 1 : 0;
                if (w.trainable() && !w.allChannels()) {
                    partial.put(i, w.channels().size());
                }
            }
            return new Summary(biases, weights, partial);
        }

        String partialText() {
            List<String> parts = new ArrayList<>();
            partial.forEach((i, k) -> parts.add(i + ":" + k));
            return String.join(" ", parts);
        }
    }
}
