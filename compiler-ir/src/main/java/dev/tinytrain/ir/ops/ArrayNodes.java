package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;

/** Small JSON array helpers. */
final class ArrayNodes {
    private ArrayNodes() {
    }

    static ArrayNode ints(ArrayNode node, List<Integer> values) {
        values.forEach(node::add);
        return node;
    }

    static ArrayNode floats(ArrayNode node, List<Float> values) {
        values.forEach(node::add);
        return node;
    }
}
