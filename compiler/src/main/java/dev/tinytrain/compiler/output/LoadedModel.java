package dev.tinytrain.compiler.output;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Shape;
import java.util.List;

/**
 * A forward graph ready for {@code Compiler.compile}, with what to say about where it came from.
 *
 * @param graph the forward graph (ending in a float transfer head)
 * @param kind {@code folder} (a {@code tinytrain-mcu-model/1} folder), {@code ir-json} or {@code zoo}
 * @param description one line for reports: the source, and for zoo models that the weights are SYNTHETIC
 * @param synthetic true for zoo models: the weights are seeded random numbers, not pretrained
 * @param digest sha256 of the weights (folder, zoo) or of the IR JSON file
 * @param convOrder backbone convs in forward order (TTE's layer index)
 * @param featureChannels channels of the pooled feature the head reads, or -1 when unknown (an IR JSON graph)
 */
public record LoadedModel(Graph graph, String kind, String description, boolean synthetic, String digest,
                          List<String> convOrder, int featureChannels) {

    /** Copies the list. */
    public LoadedModel {
        convOrder = List.copyOf(convOrder);
    }

    /** The classes the graph predicts: the last dimension of its first output (the logits). */
    public int classes() {
        Shape s = graph.outputs().get(0).type().shape();
        return s.dim(s.rank() - 1);
    }
}
