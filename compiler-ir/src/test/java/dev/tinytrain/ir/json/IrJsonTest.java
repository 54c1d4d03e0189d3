package dev.tinytrain.ir.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.IrParseException;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.ir.text.IrPrinter;
import org.junit.jupiter.api.Test;

/** JSON round trips exactly and rejects malformed input with named errors. */
class IrJsonTest {

    @Test
    void roundTripIsIdenticalForATinyGraph() {
        Graph g = TinyGraphs.block();
        String json = IrJson.write(g);
        Graph back = IrJson.read(json);
        assertEquals(json, IrJson.write(back));
        assertEquals(IrPrinter.print(g), IrPrinter.print(back));
        assertEquals(g.parameters(), back.parameters());
    }

    @Test
    void roundTripIsIdenticalForAPretrainedModel() {
        Graph g = McuModelImporter.load(SharedFolder.require().resolve("models/proxyless-w0.3")).graph();
        String json = IrJson.write(g);
        Graph back = IrJson.read(json);
        assertEquals(json, IrJson.write(back));
        assertEquals(IrPrinter.print(g), IrPrinter.print(back));
    }

    @Test
    void unknownOpIsNamed() {
        String json = IrJson.write(TinyGraphs.block()).replace("\"op\" : \"global_avg_pool\"", "\"op\" : \"max_pool\"");
        IrParseException e = assertThrows(IrParseException.class, () -> IrJson.read(json));
        assertTrue(e.getMessage().contains("unknown op 'max_pool'") && e.getMessage().contains("'pool'"),
                e.getMessage());
    }

    @Test
    void aCycleIsReportedWithItsNodes() {
        // make c1 read the output of add, which (through pw, dw) reads c1
        String json = IrJson.write(TinyGraphs.block());
        int c1 = json.indexOf("\"name\" : \"c1\"");
        int inputs = json.indexOf("\"input\"", c1);
        String cyclic = json.substring(0, inputs) + "\"add\"" + json.substring(inputs + "\"input\"".length());
        IrVerificationException e = assertThrows(IrVerificationException.class, () -> IrJson.read(cyclic));
        assertEquals("cycle", e.rule());
        assertTrue(e.getMessage().contains("'c1'") && e.getMessage().contains("'add'"), e.getMessage());
    }

    @Test
    void nodesOutOfOrderInAFileAreOrderedByDependencies() {
        Graph g = TinyGraphs.block();
        String json = IrJson.write(g);
        // move the pool node (last) to the front of the node list
        com.fasterxml.jackson.databind.node.ObjectNode root;
        try {
            root = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        var nodes = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("nodes");
        var last = nodes.remove(nodes.size() - 1);
        nodes.insert(0, last);
        assertEquals(IrPrinter.print(g), IrPrinter.print(IrJson.read(root.toString())));
    }

    @Test
    void missingFieldsAndBadQuantizationAreNamed() {
        String json = IrJson.write(TinyGraphs.block());
        assertThrows(IrParseException.class, () -> IrJson.read(json.replace("\"format\" : \"tinytrain-ir/1\",", "")));
        assertThrows(IrParseException.class, () -> IrJson.read("{ not json"));
        IrParseException e = assertThrows(IrParseException.class,
                () -> IrJson.read(json.replaceFirst("\"zero_points\" : \\[ 0 \\]", "\"zero_points\" : [ 300 ]")));
        assertTrue(e.getMessage().contains("outside int8"), e.getMessage());
        IrParseException e2 = assertThrows(IrParseException.class,
                () -> IrJson.read(json.replaceFirst("\"stride\" : 1", "\"stride\" : \"one\"")));
        assertTrue(e2.getMessage().contains("'stride'"), e2.getMessage());
    }

    @Test
    void aTypeThatContradictsInferenceIsAVerificationError() {
        String json = IrJson.write(TinyGraphs.block());
        int pool = json.indexOf("\"name\" : \"pool\"");
        String bad = json.substring(0, pool) + json.substring(pool).replaceFirst("\"shape\" : \\[ 1, 1, 1, 4 \\]",
                "\"shape\" : [ 1, 1, 1, 5 ]");
        IrVerificationException e = assertThrows(IrVerificationException.class, () -> IrJson.read(bad));
        assertEquals("type", e.rule());
    }
}
