package dev.tinytrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.pruning.ChannelSelection.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Policy files: the documented form, round trips, and errors that name the field. */
class PolicyJsonTest {

    @Test
    void readsTheDocumentedForm() {
        SparseUpdatePolicy p = PolicyJson.parse("""
                {
                  "format": "tinytrain-sparse-update/1",
                  "target": {"model": "mcunet-5fps", "convs": 42},
                  "bias_window": 22,
                  "weights": [
                    {"conv": 21},
                    {"conv": 36, "ratio": 0.125, "rule": "magnitude"},
                    {"layer": "blocks[13].pointwise1", "ratio": 0.25, "rule": "first_k"},
                    {"last": 2, "ratio": 1},
                    {"conv": 39, "channels": [0, 5, 17]}
                  ]
                }
                """);
        assertEquals(new SparseUpdatePolicy(22, List.of(
                new WeightUpdate(21, ChannelSelection.all()),
                new WeightUpdate(36, ChannelSelection.ratio(0.125, Rule.MAGNITUDE)),
                new WeightUpdate(LayerRef.named("blocks[13].pointwise1"), ChannelSelection.ratio(0.25, Rule.FIRST_K)),
                new WeightUpdate(LayerRef.last(2), ChannelSelection.ratio(1, Rule.MAGNITUDE)),
                new WeightUpdate(39, ChannelSelection.explicit(List.of(0, 5, 17)))),
                Optional.of(new SparseUpdatePolicy.Target("mcunet-5fps", 42))), p);
    }

    @Test
    void anImportedModelsLayerByOperatorIndexRoundTrips() {
        SparseUpdatePolicy p = PolicyJson.parse("{\"bias_window\": 3, \"weights\": [{\"op\": 47, \"ratio\": 0.125}]}");
        assertEquals(SparseUpdatePolicy.builder().biasWindow(3).weight(new WeightUpdate(LayerRef.operator(47),
                ChannelSelection.ratio(0.125, Rule.MAGNITUDE))).build(), p);
        assertEquals(p, PolicyJson.parse(PolicyJson.toJson(p)));
    }

    @Test
    void minimalFileIsTheHeadAndSomeBiases() {
        assertEquals(SparseUpdatePolicy.builder().biasWindow(4).build(), PolicyJson.parse("{\"bias_window\": 4}"));
        assertEquals(Presets.get("all"), PolicyJson.parse("{\"bias_window\": \"all\", \"weights\": [{\"last\": \"all\"}]}"));
    }

    static List<String> presetNames() {
        return Presets.names();
    }

    @ParameterizedTest
    @MethodSource("presetNames")
    void everyPresetRoundTrips(String name) {
        SparseUpdatePolicy p = Presets.get(name);
        assertEquals(p, PolicyJson.parse(PolicyJson.toJson(p)));
    }

    @Test
    void writesReadableJson(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("p.json");
        PolicyJson.write(Presets.get("mcunet-49kb"), f);
        assertEquals("""
                {
                  "format" : "tinytrain-sparse-update/1",
                  "target" : {
                    "model" : "mcunet-5fps",
                    "convs" : 42
                  },
                  "bias_window" : 20,
                  "weights" : [ {
                    "conv" : 24,
                    "ratio" : 0.25,
                    "rule" : "magnitude"
                  }, {
                    "conv" : 27,
                    "ratio" : 0.5,
                    "rule" : "magnitude"
                  }, {
                    "conv" : 30,
                    "ratio" : 0.5,
                    "rule" : "magnitude"
                  } ]
                }
                """, Files.readString(f).replace("\r\n", "\n"));
        assertEquals(Presets.get("mcunet-49kb"), PolicyJson.read(f));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"bias_window\": 2, \"weigths\": []}"
                + "| weigths: unknown field (known: bias_window, format, target, weights)",
        "{\"weights\": []}| bias_window: missing",
        "{\"bias_window\": -2}| bias_window: must be >= 0 or \"all\", got -2",
        "{\"bias_window\": 2.5}| bias_window: must be an integer or \"all\", got 2.5",
        "{\"bias_window\": \"some\"}| bias_window: must be an integer or \"all\", got \"some\"",
        "{\"format\": \"tinytrain-sparse-update/2\", \"bias_window\": 1}"
                + "| format: must be \"tinytrain-sparse-update/1\", got \"tinytrain-sparse-update/2\"",
        "{\"bias_window\": 1, \"target\": \"mcunet\"}"
                + "| target: must be an object {\"model\": name, \"convs\": count}, got \"mcunet\"",
        "{\"bias_window\": 1, \"target\": {\"model\": \"m\"}}| target.convs: missing",
        "{\"bias_window\": 1, \"target\": {\"model\": \"m\", \"convs\": 0}}"
                + "| target: target model 'm' needs at least one conv, got 0",
        "{\"bias_window\": 1, \"weights\": {}}| weights: must be an array, got {}",
        "{\"bias_window\": 1, \"weights\": [7]}"
                + "| weights[0]: must be an object such as {\"conv\": 21, \"ratio\": 0.5}, got 7",
        "{\"bias_window\": 1, \"weights\": [{\"ratio\": 0.5}]}"
                + "| weights[0]: must name exactly one of \"conv\", \"layer\", \"op\", \"last\"; none given",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"last\": 2}]}"
                + "| weights[0]: must name exactly one of \"conv\", \"layer\", \"op\", \"last\"; got conv, last",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1}, {\"conv\": \"2\"}]}"
                + "| weights[1].conv: must be an integer, got \"2\"",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": -1}]}| weights[0].conv: conv index must be >= 0, got -1",
        "{\"bias_window\": 1, \"weights\": [{\"layer\": 3}]}| weights[0].layer: must be a layer path string, got 3",
        "{\"bias_window\": 1, \"weights\": [{\"op\": -2}]}| weights[0].op: operator index must be >= 0, got -2",
        "{\"bias_window\": 1, \"weights\": [{\"op\": \"op7\"}]}| weights[0].op: must be an integer, got \"op7\"",
        "{\"bias_window\": 1, \"weights\": [{\"last\": 0}]}"
                + "| weights[0].last: the number of last convs must be >= 1, got 0",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"ratio\": 1.5}]}"
                + "| weights[0].ratio: ratio must be in (0, 1], got 1.5",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"ratio\": 0}]}"
                + "| weights[0].ratio: ratio must be in (0, 1], got 0.0",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"ratio\": \"half\"}]}"
                + "| weights[0].ratio: must be a number in (0, 1], got \"half\"",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"ratio\": 0.5, \"rule\": \"largest\"}]}"
                + "| weights[0].rule: must be \"first_k\" or \"magnitude\", got \"largest\"",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"rule\": \"first_k\"}]}"
                + "| weights[0].rule: only applies with \"ratio\"",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"ratio\": 0.5, \"channels\": [1]}]}"
                + "| weights[0]: give either \"ratio\" or \"channels\", not both",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"channels\": [3, 1, 3]}]}"
                + "| weights[0].channels: channel 3 is listed twice",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"channels\": [0, 1.5]}]}"
                + "| weights[0].channels[1]: must be an integer, got 1.5",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"channels\": []}]}"
                + "| weights[0].channels: an explicit channel list needs at least one channel",
        "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"chanels\": [1]}]}"
                + "| weights[0].chanels: unknown field (known: channels, conv, last, layer, op, ratio, rule)",
        "[1, 2]| a policy must be a JSON object",
    })
    void errorsNameTheField(String json, String message) {
        assertEquals(message, assertThrows(PolicyException.class, () -> PolicyJson.parse(json)).getMessage());
    }

    @Test
    void malformedJsonAndDuplicateKeys() {
        String bad = assertThrows(PolicyException.class, () -> PolicyJson.parse("{\"bias_window\": 1,")).getMessage();
        assertTrue(bad.startsWith("not valid JSON: "), bad);
        assertTrue(bad.contains("(line 1, column "), bad);
        String dup = assertThrows(PolicyException.class,
                () -> PolicyJson.parse("{\"bias_window\": 1, \"bias_window\": 2}")).getMessage();
        assertTrue(dup.startsWith("not valid JSON: Duplicate field 'bias_window'"), dup);
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("none.json");
        assertEquals("policy file " + missing + ": file not found",
                assertThrows(PolicyException.class, () -> PolicyJson.read(missing)).getMessage());
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"bias_window\": 1, \"weights\": [{\"conv\": 1, \"ratio\": 2}]}");
        assertEquals("policy file " + f + ": weights[0].ratio: ratio must be in (0, 1], got 2.0",
                assertThrows(PolicyException.class, () -> PolicyJson.read(f)).getMessage());
    }
}
