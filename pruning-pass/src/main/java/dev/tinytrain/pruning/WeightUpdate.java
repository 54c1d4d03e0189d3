package dev.tinytrain.pruning;

import java.util.Objects;

/**
 * One entry of a policy's weight list: the weights of these convs are trained, on these channels.
 *
 * @param layer which conv(s)
 * @param selection which channels of each
 */
public record WeightUpdate(LayerRef layer, ChannelSelection selection) {

    /** Checks for nulls. */
    public WeightUpdate {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(selection, "selection");
    }

    /** The conv with TTE layer index {@code convIndex}. */
    public WeightUpdate(int convIndex, ChannelSelection selection) {
        this(LayerRef.index(convIndex), selection);
    }
}
