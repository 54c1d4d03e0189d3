package dev.tinytrain.compiler.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinytrain.compiler.BandRegionEntry;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.MemoryReport.ParameterEntry;
import dev.tinytrain.compiler.MemoryReport.TensorEntry;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The text, JSON and SVG writers: on a hand-made report (exact lines) and on mcunet-5fps / mcunet-99kb. */
class ReportWritersTest {
    /** The JSON fields, in order, as documented in {@link ReportWriters}. */
    static final List<String> FIELDS = List.of("format", "model", "scheme", "target", "fits", "sramFits", "flashFits",
            "arenaBytes", "lowerBoundBytes", "efficiency", "arenaToLowerBound", "strategy", "forwardPeakBytes",
            "backwardPeakBytes", "backwardStartStep", "steps", "peakStep", "arenaRoomBytes", "sramTotalBytes",
            "sramBudgetBytes", "sramParts", "flashBytes", "flashBudgetBytes", "flashParts", "tensors", "bandRegions",
            "parameters");
    static final List<String> SRAM_PARTS = List.of("arena", "trainableWeights", "biases", "head", "masterCopies",
            "stack");
    static final List<String> FLASH_PARTS = List.of("frozenWeights", "frozenBiases", "constants", "code");
    static final List<String> TENSOR_FIELDS = List.of("buffer", "values", "kind", "bytes", "firstStep", "lastStep",
            "offset", "valueOffsets");
    static final List<String> PARAMETER_FIELDS = List.of("name", "placement", "sramBytes", "flashBytes");
    static final ObjectMapper JSON = new ObjectMapper();

    static MemoryReport mcunet;
    /** The same step with its frozen prefix in row bands (the default). */
    static MemoryReport mcunetBands;
    /** MCUNet's step graph. */
    static dev.tinytrain.ir.Graph graph;

    @BeforeAll
    static void compileMcunet() {
        Path dir = SharedFolder.require().resolve("models/mcunet-5fps");
        ImportedModel m = McuModelImporter.load(dir);
        int c = m.tap("avgpool").type().shape().dim(3);
        float[] w = new float[10 * c];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) * 0.05f;
        }
        graph = McuModelImporter.load(dir, 128, HeadSpec.transfer(w, new float[10])).graph();
        mcunet = Compiler.compileUnchecked(graph, Target.STM32F746, CompileOptions.preset("mcunet-99kb", 1e-3f)
                .withStreamPrefix(false)).report();
        mcunetBands = Compiler.compileUnchecked(graph, Target.STM32F746, CompileOptions.preset("mcunet-99kb", 1e-3f))
                .report();
    }

    /** The band region in all three forms: its section and peaks in the text, its object in JSON, its rect in SVG. */
    @Test
    void theBandRegionIsShownAsSuchInTextJsonAndSvg() throws Exception {
        String text = ReportWriters.text(mcunetBands);
        assertTrue(text.contains("\nforward peak          65,604   64.1"), text);
        assertTrue(text.contains("\nbackward peak         58,156   56.8"), text);
        assertTrue(text.contains("\nBand region at step 1: 11 frozen layers first_conv .. blocks[3].pointwise1 in row"
                + " bands of 1 output row(s)"), text);
        assertTrue(text.contains(" 0 recomputed MACs"), text);
        assertTrue(text.contains("  blocks[0].depthwise      1  64  1,024  1,024       0  first_conv's dying row"),
                text);
        JsonNode j = JSON.readTree(ReportWriters.json(mcunetBands));
        assertEquals(65_604, j.get("forwardPeakBytes").asLong());
        JsonNode band = j.get("bandRegions").get(0);
        assertEquals(List.of("node", "step", "layers", "bandRows", "workspaceBytes", "wholeBytes", "kernelCalls",
                "shiftedBytes", "recomputedMacs", "lineBuffers", "fused"), names(band));
        long sum = 0;
        int over = 0;
        for (JsonNode l : band.get("lineBuffers")) {
            boolean writtenOver = l.has("writtenOver");
            assertEquals(writtenOver ? List.of("tensor", "rows", "tensorRows", "rowBytes", "bytes", "offset",
                    "writtenOver") : List.of("tensor", "rows", "tensorRows", "rowBytes", "bytes", "offset"), names(l));
            sum += writtenOver ? 0 : l.get("bytes").asLong();
            over += writtenOver ? 1 : 0;
        }
        assertTrue(sum <= band.get("workspaceBytes").asLong() && sum > 0);
        assertEquals(3, over, "the three depthwise layers of the prefix write over their inputs' dying rows");
        assertTrue(ReportWriters.svg(mcunetBands).contains("blocks[0].depthwise written over first_conv"));
        Document d = parse(ReportWriters.svg(mcunetBands));
        NodeList rects = d.getElementsByTagName("rect");
        int lines = 0;
        for (int i = 0; i < rects.getLength(); i++) {
            lines += "band-lines".equals(((Element) rects.item(i)).getAttribute("data-kind")) ? 1 : 0;
        }
        assertEquals(1, lines);
    }

    /**
     * Three buffers (one holding two values as an in-place depthwise conv does, its input 8 bytes in, and with a
     * name to escape), two parameters.
     */
    static MemoryReport small(long sramBudget) {
        List<TensorEntry> t = List.of(
                new TensorEntry("input", List.of("input"), "input", 64, 0, 1, 0),
                new TensorEntry("a<&>", List.of("a<&>", "a2"), "activation", 128, 1, 2, 64, List.of(72L, 64L)),
                new TensorEntry("a.grad", List.of("a.grad"), "gradient", 32, 2, 3, 0));
        List<ParameterEntry> p = List.of(new ParameterEntry("w", "split", 16, 48),
                new ParameterEntry("b", "flash", 0, 8));
        // SRAM: 192 arena + 16 weights + 0 + 40 head + 0 + 8 stack = 256; Flash: 56 + 8 + 4 + 100 = 168
        return new MemoryReport("tiny", "demo", "board", 192, 192, 1.0, "greedy-by-size", 16, 0, 40, 0, 8, 256, 56,
                8, 4, 100, 168, sramBudget, Long.MAX_VALUE == sramBudget ? Long.MAX_VALUE : 1000, t, p);
    }

    @Test
    void textOfASmallReport() {
        String text = ReportWriters.text(small(300));
        assertTrue(text.startsWith("tinytrain memory report: model tiny, scheme demo, target board\n"
                + "status: FITS board\n"), text);
        assertTrue(text.contains("\narena                   192  0.2  placement strategy greedy-by-size\n"), text);
        assertTrue(text.contains("\nSRAM total              256  0.3  of 300 B budget (85.3%)\n"), text);
        assertTrue(text.contains("\n  trainable weights      16  0.0  6.3%\n"), text);
        assertTrue(text.contains("\nFlash total             168  0.2  of 1,000 B budget (16.8%)\n"), text);
        assertTrue(text.contains("\n  code (estimate)       100  0.1  59.5%\n"), text);
        assertTrue(text.contains("Tensors: 3 arena buffers over schedule steps 0..3"), text);
        assertTrue(text.contains("\n  1  a<&>    activation    128      1     2      64  192  a<&> @+8, a2\n"), text);
        assertTrue(text.contains("by kind: input 1 (64 B); activation 1 (128 B); gradient 1 (32 B)"), text);
        assertTrue(text.contains("Parameters: 2 (0 trained in SRAM, 1 split SRAM/Flash, 1 frozen in Flash)"), text);
        assertTrue(text.contains("\n  total                         16           56\n"), text);
        assertFalse(text.contains("OVER"), text);
        for (String line : text.split("\n")) {
            assertEquals(line.stripTrailing(), line, "no trailing spaces");
        }
    }

    @Test
    void overBudgetIsMarkedAtTheTopAndTheBottom() {
        MemoryReport r = small(200);
        String status = "status: *** OVER BUDGET for board: SRAM needs 256 B, budget 200 B (56 B over) ***";
        assertEquals(status, ReportWriters.status(r));
        String text = ReportWriters.text(r);
        assertTrue(text.startsWith("tinytrain memory report: model tiny, scheme demo, target board\n" + status), text);
        assertTrue(text.endsWith("\n" + status + "\n"), text);
        assertTrue(text.contains("of 200 B budget (128.0%)  OVER by 56 B"), text);
        assertTrue(ReportWriters.svg(r).contains("OVER BUDGET"));
    }

    @Test
    void jsonOfASmallReportHasTheDocumentedFields() throws Exception {
        JsonNode j = JSON.readTree(ReportWriters.json(small(300)));
        assertEquals(FIELDS, names(j));
        assertEquals(ReportWriters.JSON_FORMAT, j.get("format").asText());
        assertEquals(192, j.get("arenaBytes").asLong());
        assertEquals(236, j.get("arenaRoomBytes").asLong()); // 300 - (256 - 192)
        assertEquals(4, j.get("steps").asInt());
        assertEquals(1, j.get("peakStep").asInt()); // 64 + 128 live at step 1
        assertEquals(List.of("a<&>", "a2"), List.of(j.at("/tensors/1/values/0").asText(),
                j.at("/tensors/1/values/1").asText()));
        assertEquals(List.of(72L, 64L), List.of(j.at("/tensors/1/valueOffsets/0").asLong(),
                j.at("/tensors/1/valueOffsets/1").asLong()));
        assertEquals("split", j.at("/parameters/0/placement").asText());
        JsonNode host = JSON.readTree(ReportWriters.json(small(Long.MAX_VALUE)));
        assertTrue(host.get("sramBudgetBytes").isNull() && host.get("flashBudgetBytes").isNull()
                && host.get("arenaRoomBytes").isNull(), "no budget is null");
        assertTrue(ReportWriters.text(small(Long.MAX_VALUE)).contains("status: no budget (target board)"));
    }

    @Test
    void svgOfASmallReportEscapesNamesAndHasOneRectPerTensor() throws Exception {
        String svg = ReportWriters.svg(small(300));
        Document d = parse(svg);
        NodeList rects = d.getElementsByTagName("rect");
        assertEquals(3, rects.getLength());
        assertEquals("a<&> (activation)\n128 B at offset 64..192\nsteps 1..2\nalso holds a<&> @+8, a2",
                ((Element) rects.item(1)).getElementsByTagName("title").item(0).getTextContent());
    }

    @Test
    void mcunetJsonHasTheDocumentedFieldsAndThePinnedArena() throws Exception {
        JsonNode j = JSON.readTree(ReportWriters.json(mcunet));
        assertEquals(FIELDS, names(j));
        assertEquals(163_844, j.get("arenaBytes").asLong());
        assertEquals(163_844, j.get("lowerBoundBytes").asLong());
        assertEquals(1.0, j.get("efficiency").asDouble());
        assertTrue(j.get("fits").asBoolean());
        assertEquals(SRAM_PARTS, names(j.get("sramParts")));
        assertEquals(FLASH_PARTS, names(j.get("flashParts")));
        assertEquals(j.get("sramTotalBytes").asLong(), sum(j.get("sramParts")), "SRAM parts add up");
        assertEquals(j.get("flashBytes").asLong(), sum(j.get("flashParts")), "Flash parts add up");
        assertEquals(mcunet.tensors().size(), j.get("tensors").size());
        assertEquals(mcunet.parameters().size(), j.get("parameters").size());
        for (JsonNode t : j.get("tensors")) {
            assertEquals(TENSOR_FIELDS, names(t));
        }
        for (JsonNode p : j.get("parameters")) {
            assertEquals(PARAMETER_FIELDS, names(p));
        }
        long sramParams = 0;
        for (JsonNode p : j.get("parameters")) {
            sramParams += p.get("sramBytes").asLong();
        }
        assertEquals(j.at("/sramParts/trainableWeights").asLong() + j.at("/sramParts/biases").asLong()
                + j.at("/sramParts/head").asLong(), sramParams, "parameter SRAM bytes add up");
    }

    @Test
    void mcunetTextCoversEveryBufferAndParameter() {
        String text = ReportWriters.text(mcunet);
        assertTrue(text.contains("status: FITS stm32f746"), text);
        assertTrue(text.contains("\narena                163,844  160.0"), text);
        assertTrue(text.contains("\nlower bound (LOAD)   163,844  160.0"), text);
        assertTrue(text.contains("\narena / LOAD          1.0000"), text);
        assertTrue(text.contains("\nbackward peak         58,156   56.8"), text);
        assertTrue(text.contains("\n  streamed: the backward of 7 blocks runs channel by channel"), text);
        for (String part : List.of("arena", "trainable weights", "biases", "head", "master copies", "stack",
                "frozen weights", "frozen biases", "constants", "code (estimate)")) {
            assertTrue(text.contains("\n  " + part + " "), part);
        }
        List<String> rows = section(text, "Tensors:", "  by kind:");
        assertEquals(mcunet.tensors().size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            TensorEntry t = mcunet.tensors().get(i);
            String[] f = rows.get(i).trim().split("\\s+");
            assertEquals(List.of(Integer.toString(i), t.buffer(), t.kind(), String.format("%,d", t.bytes()),
                    Integer.toString(t.firstStep()), Integer.toString(t.lastStep()), String.format("%,d",
                    t.offset())), List.of(f).subList(0, 7), rows.get(i));
        }
        List<String> params = section(text, "Parameters:", "  total ");
        assertEquals(mcunet.parameters().size(), params.size());
        Set<String> named = new HashSet<>();
        params.forEach(l -> named.add(l.trim().split("\\s+")[0]));
        mcunet.parameters().forEach(p -> assertTrue(named.contains(p.name()), p.name()));
    }

    @Test
    void mcunetSvgIsWellFormedWithOneRectPerTensorAndLoadAtThePeak() throws Exception {
        String svg = ReportWriters.svg(mcunet);
        Document d = parse(svg);
        assertEquals("svg", d.getDocumentElement().getTagName());
        NodeList rects = d.getElementsByTagName("rect");
        assertEquals(mcunet.tensors().size(), rects.getLength(), "one rect per tensor");
        Set<String> kinds = new HashSet<>();
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            assertEquals("tensor", r.getAttribute("class"));
            kinds.add(r.getAttribute("data-kind"));
            assertNotNull(r.getElementsByTagName("title").item(0), "tooltip");
            double x = Double.parseDouble(r.getAttribute("x"));
            double y = Double.parseDouble(r.getAttribute("y"));
            assertTrue(x >= 0 && x + Double.parseDouble(r.getAttribute("width")) <= ArenaSvg.WIDTH, "in view");
            assertTrue(y >= 0 && y + Double.parseDouble(r.getAttribute("height")) <= ArenaSvg.HEIGHT, "in view");
        }
        // mcunet-99kb streams every block whose weights train, so its per-channel scratch replaces the workspaces
        assertEquals(Set.of("input", "activation", "mask", "gradient", "stream-scratch", "output"), kinds);
        String title = "";
        for (int i = 0; i < rects.getLength(); i++) {
            String t = rects.item(i).getFirstChild().getTextContent();
            title = t.startsWith("blocks[1].pointwise1 (") ? t : title;
        }
        assertTrue(title.startsWith("blocks[1].pointwise1 (activation)\n131,072 B at offset 0..131,072\nsteps 4..5"),
                title);
        for (String label : List.of("schedule step", "arena offset (KB)", "arena = LOAD = 163,844 B", "gradient (",
                "workspace (", "mask (", "fits stm32f746")) {
            assertTrue(svg.contains(label), label);
        }
        long[] live = ReportFacts.liveBytes(mcunet);
        assertEquals(mcunet.lowerBoundBytes(), live[ReportFacts.peakStep(live)], "the live-bytes peak is LOAD");
    }

    @Test
    void tableAlignsAndRulesStopAtAFreeTextLastColumn() {
        TextTable t = new TextTable("name", ">n", "note").row("a", 1, "x").row("bbb", 22, "a long note").rule()
                .row("total", 23, "");
        assertEquals("name    n  note\n---------------\na       1  x\nbbb    22  a long note\n---------------\n"
                + "total  23\n", t.toString());
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> names(JsonNode o) {
        List<String> n = new ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
            n.add(it.next());
        }
        return n;
    }

    private static long sum(JsonNode o) {
        long s = 0;
        for (JsonNode v : o) {
            s += v.asLong();
        }
        return s;
    }

    /** The table rows after the line starting with {@code start} (header and rule skipped) up to {@code end}. */
    private static List<String> section(String text, String start, String end) {
        List<String> rows = new ArrayList<>();
        boolean in = false;
        int skip = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(start)) {
                in = true;
                skip = 2;
                continue;
            }
            if (!in) {
                continue;
            }
            if (skip > 0) {
                skip--;
                continue;
            }
            if (line.startsWith(end) || line.startsWith("  ---")) {
                break;
            }
            rows.add(line);
        }
        return rows;
    }
}
