package dev.tinytrain.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Graph#sliceFor}: the nodes a value depends on, in the order of the given schedule. */
class GraphSliceTest {

    private static List<String> names(List<Node> nodes) {
        return nodes.stream().map(Node::name).toList();
    }

    @Test
    void theSliceOfAnOutputIsEveryNodeItDependsOn() {
        Graph g = TinyGraphs.block();
        assertEquals(names(g.nodes()), names(g.sliceFor(g.nodes(), g.outputs().get(0))));
    }

    @Test
    void theSliceOfAnInnerValueLeavesOutWhatComesAfterIt() {
        Graph g = TinyGraphs.block();
        assertEquals(List.of("c1", "dw"), names(g.sliceFor(g.nodes(), g.value("dw").orElseThrow())));
        assertEquals(List.of(), names(g.sliceFor(g.nodes(), g.inputs().get(0))));
    }

    @Test
    void theSliceKeepsTheOrderOfTheScheduleGiven() {
        Graph g = TinyGraphs.block();
        List<Node> reversed = new java.util.ArrayList<>(g.nodes());
        java.util.Collections.reverse(reversed);
        assertEquals(List.of("add", "pw", "dw", "c1"),
                names(g.sliceFor(reversed, g.value("add").orElseThrow())));
    }
}
