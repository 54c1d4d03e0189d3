package dev.tinytrain.compiler.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.MemoryReport.ParameterEntry;
import dev.tinytrain.compiler.MemoryReport.TensorEntry;
import java.util.Map;

/** The memory report as JSON ({@value #FORMAT}); the fields are listed in {@link ReportWriters}. */
final class JsonReport {
    /** The value of the {@code format} field. */
    static final String FORMAT = "tinytrain-memory-report/1";
    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private JsonReport() {
    }

    static ObjectNode tree(MemoryReport r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("format", FORMAT);
        o.put("model", r.model());
        o.put("scheme", r.scheme());
        o.put("target", r.target());
        o.put("fits", r.fits());
        o.put("sramFits", ReportFacts.sramFits(r));
        o.put("flashFits", ReportFacts.flashFits(r));
        o.put("arenaBytes", r.arenaBytes());
        o.put("lowerBoundBytes", r.lowerBoundBytes());
        o.put("efficiency", r.efficiency());
        o.put("arenaToLowerBound", Units.arenaToLowerBound(r.arenaBytes(), r.lowerBoundBytes()));
        o.put("strategy", r.strategy());
        o.put("forwardPeakBytes", r.forwardPeakBytes());
        o.put("backwardPeakBytes", r.backwardPeakBytes());
        o.put("backwardStartStep", r.backwardStartStep());
        o.put("steps", ReportFacts.steps(r));
        o.put("peakStep", ReportFacts.peakStep(ReportFacts.liveBytes(r)));
        if (r.sramBudgetBytes() == Units.UNBOUNDED) {
            o.putNull("arenaRoomBytes");
        } else {
            o.put("arenaRoomBytes", ReportFacts.arenaRoom(r));
        }
        o.put("sramTotalBytes", r.sramTotalBytes());
        budget(o, "sramBudgetBytes", r.sramBudgetBytes());
        ObjectNode sram = o.putObject("sramParts");
        for (Map.Entry<String, Long> e : ReportFacts.sramParts(r).entrySet()) {
            sram.put(e.getKey(), e.getValue());
        }
        o.put("flashBytes", r.flashBytes());
        budget(o, "flashBudgetBytes", r.flashBudgetBytes());
        ObjectNode flash = o.putObject("flashParts");
        for (Map.Entry<String, Long> e : ReportFacts.flashParts(r).entrySet()) {
            flash.put(e.getKey(), e.getValue());
        }
        ArrayNode tensors = o.putArray("tensors");
        for (TensorEntry t : r.tensors()) {
            ObjectNode n = tensors.addObject();
            n.put("buffer", t.buffer());
            ArrayNode values = n.putArray("values");
            t.values().forEach(values::add);
            n.put("kind", t.kind());
            n.put("bytes", t.bytes());
            n.put("firstStep", t.firstStep());
            n.put("lastStep", t.lastStep());
            n.put("offset", t.offset());
            ArrayNode valueOffsets = n.putArray("valueOffsets");
            t.valueOffsets().forEach(valueOffsets::add);
        }
        ArrayNode bands = o.putArray("bandRegions");
        for (dev.tinytrain.compiler.BandRegionEntry b : r.bandRegions()) {
            ObjectNode n = bands.addObject();
            n.put("node", b.node());
            n.put("step", b.step());
            ArrayNode layers = n.putArray("layers");
            b.layers().forEach(layers::add);
            n.put("bandRows", b.bandRows());
            n.put("workspaceBytes", b.workspaceBytes());
            n.put("wholeBytes", b.wholeBytes());
            n.put("kernelCalls", b.kernelCalls());
            n.put("shiftedBytes", b.shiftedBytes());
            n.put("recomputedMacs", b.recomputedMacs());
            ArrayNode lines = n.putArray("lineBuffers");
            for (dev.tinytrain.compiler.BandRegionEntry.LineBuffer l : b.lineBuffers()) {
                ObjectNode ln = lines.addObject();
                ln.put("tensor", l.tensor());
                ln.put("rows", l.rows());
                ln.put("tensorRows", l.tensorRows());
                ln.put("rowBytes", l.rowBytes());
                ln.put("bytes", l.bytes());
                ln.put("offset", l.offset());
                if (!l.over().isEmpty()) {
                    ln.put("writtenOver", l.over());
                }
            }
            ArrayNode fused = n.putArray("fused");
            for (dev.tinytrain.compiler.BandRegionEntry.FusedLayer f : b.fused()) {
                ObjectNode fn = fused.addObject();
                fn.put("expansion", f.expansion());
                fn.put("depthwise", f.depthwise());
                fn.put("group", f.group());
                fn.put("expandedBytes", f.expandedBytes());
                fn.put("scratchBytes", f.scratchBytes());
                fn.put("offset", f.offset());
                fn.put("recomputedMacs", f.recomputedMacs());
            }
        }
        ArrayNode params = o.putArray("parameters");
        for (ParameterEntry p : r.parameters()) {
            ObjectNode n = params.addObject();
            n.put("name", p.name());
            n.put("placement", p.placement());
            n.put("sramBytes", p.sramBytes());
            n.put("flashBytes", p.flashBytes());
        }
        return o;
    }

    static String render(MemoryReport r) {
        try {
            return MAPPER.writeValueAsString(tree(r)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    private static void budget(ObjectNode o, String field, long budget) {
        if (budget == Units.UNBOUNDED) {
            o.putNull(field);
        } else {
            o.put(field, budget);
        }
    }
}
