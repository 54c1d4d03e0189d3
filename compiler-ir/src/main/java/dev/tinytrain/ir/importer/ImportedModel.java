package dev.tinytrain.ir.importer;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * The result of importing a pretrained model.
 *
 * @param graph the forward graph (input {@code %input}, result {@code %logits})
 * @param modelName the folder name, e.g. {@code mcunet-5fps}
 * @param weightsSha256 sha256 of {@code weights.bin} (provenance)
 * @param taps values by the names the goldens use: {@code input}, each conv path (e.g.
 *     {@code blocks[0].depthwise}), {@code blocks[k]} (block output, after the residual add if any),
 *     {@code avgpool} and {@code logits}
 * @param convOrder conv layer paths in forward order (index = TTE's layer index {@code idx}; the classifier is
 *     not included)
 */
public record ImportedModel(Graph graph, String modelName, String weightsSha256, Map<String, Value> taps,
                            List<String> convOrder) {

    /** Copies the collections. */
    public ImportedModel {
        taps = ImmutableMap.copyOf(taps);
        convOrder = ImmutableList.copyOf(convOrder);
    }

    /** The value tapped under {@code name}, or an error listing what exists. */
    public Value tap(String name) {
        Value v = taps.get(name);
        if (v == null) {
            throw new IllegalArgumentException("model " + modelName + " has no tensor '" + name + "'");
        }
        return v;
    }
}
