package dev.tinytrain.reorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.RandomNetworks;
import dev.tinytrain.ir.ops.OpKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Which prefixes of a schedule may form a band region: on random inverted-residual networks (forward graphs, whose
 * convs update nothing and keep nothing), exactly the conv/add prefixes whose intermediate results are read only
 * inside: never one that cuts a residual block between its input and its add, always one ending at the last conv
 * before the pool.
 */
class PrefixBandingTest {

    @Test
    void candidateEndsAreTheClosedConvAndAddPrefixes() {
        Random r = new Random(15);
        for (int trial = 0; trial < 40; trial++) {
            Graph g = RandomNetworks.invertedResidual(r);
            List<Node> nodes = g.nodes();
            List<Integer> expected = new ArrayList<>();
            for (int e = 1; e < nodes.size(); e++) {
                OpKind k = nodes.get(e).op().kind();
                if (k != OpKind.CONV2D && k != OpKind.QUANTIZED_ADD) {
                    break;
                }
                boolean closed = true;
                for (int i = 0; i < e; i++) {
                    for (Node u : g.users(nodes.get(i).output())) {
                        closed &= nodes.indexOf(u) <= e;
                    }
                }
                if (closed) {
                    expected.add(e);
                }
            }
            List<Integer> ends = PrefixBanding.candidateEnds(g);
            assertEquals(expected, ends, "trial " + trial);
            int pool = nodes.indexOf(nodes.stream().filter(n -> n.op().kind() == OpKind.GLOBAL_AVG_POOL)
                    .findFirst().orElseThrow());
            assertTrue(ends.contains(pool - 1), "the whole conv trunk is a candidate");
            for (Node n : nodes) {
                if (n.op().kind() == OpKind.QUANTIZED_ADD) { // nothing strictly inside a residual block
                    int add = nodes.indexOf(n);
                    int in = nodes.indexOf(g.producer(n.inputs().get(0)).orElseThrow());
                    assertTrue(ends.stream().noneMatch(e -> e > in && e < add), "trial " + trial);
                }
            }
        }
    }
}
