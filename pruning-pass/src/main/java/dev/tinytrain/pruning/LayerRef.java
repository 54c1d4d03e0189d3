package dev.tinytrain.pruning;

import java.util.List;

/**
 * Names backbone convs in a policy: by TTE layer index (0-based among the backbone convs in forward order, the
 * first conv is 0, the classifier is excluded; {@code TTE-FACTS.md} §A.1), by layer path (the conv node's name),
 * by the operator index of an imported {@code .tflite} model, or as the last n convs.
 */
public sealed interface LayerRef permits LayerRef.Index, LayerRef.Named, LayerRef.Operator, LayerRef.Last {

    /** {@link Last#count()} meaning every backbone conv. */
    int ALL = Integer.MAX_VALUE;

    /**
     * The conv with this TTE layer index.
     *
     * @param index 0-based index among the backbone convs
     */
    record Index(int index) implements LayerRef {
        /** Validates the index. */
        public Index {
            if (index < 0) {
                throw new PolicyException("conv index must be >= 0, got " + index);
            }
        }

        @Override
        public String toString() {
            return "conv " + index;
        }
    }

    /**
     * The conv with this layer path, e.g. {@code blocks[12].pointwise1}.
     *
     * @param path the layer path (the forward conv node's name)
     */
    record Named(String path) implements LayerRef {
        /** Validates the path. */
        public Named {
            if (path == null || path.isBlank()) {
                throw new PolicyException("layer name must be non-empty");
            }
        }

        @Override
        public String toString() {
            return "layer '" + path + "'";
        }
    }

    /**
     * The layer of operator {@code index} of an imported {@code .tflite} model: its index in the subgraph's execution
     * order, as TFLite's tools (and the model's README) number operators. The importer names that layer's node
     * {@code op<index>} ({@code op<index>.conv} for a {@code FULLY_CONNECTED}); it must be a {@code CONV_2D},
     * {@code DEPTHWISE_CONV_2D} or {@code FULLY_CONNECTED} before the head.
     *
     * @param index the TFLite operator index
     */
    record Operator(int index) implements LayerRef {
        /** Validates the index. */
        public Operator {
            if (index < 0) {
                throw new PolicyException("operator index must be >= 0, got " + index);
            }
        }

        /** The node names the TFLite importer gives this operator's conv layer. */
        public List<String> nodeNames() {
            return List.of("op" + index, "op" + index + ".conv");
        }

        @Override
        public String toString() {
            return "operator " + index;
        }
    }

    /**
     * The last {@code count} backbone convs (TTE's {@code n_weight_update}).
     *
     * @param count at least 1, or {@link LayerRef#ALL}
     */
    record Last(int count) implements LayerRef {
        /** Validates the count. */
        public Last {
            if (count < 1) {
                throw new PolicyException("the number of last convs must be >= 1, got " + count);
            }
        }

        @Override
        public String toString() {
            return count == ALL ? "every conv" : "the last " + count + " convs";
        }
    }

    /** The conv with TTE layer index {@code index}. */
    static LayerRef index(int index) {
        return new Index(index);
    }

    /** The conv with layer path {@code path}. */
    static LayerRef named(String path) {
        return new Named(path);
    }

    /** The layer of TFLite operator {@code index}. */
    static LayerRef operator(int index) {
        return new Operator(index);
    }

    /** The last {@code count} convs. */
    static LayerRef last(int count) {
        return new Last(count);
    }
}
