package dev.tinytrain.compiler.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.compiler.MemoryReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small adapter that renders the memory report as text and JSON for the compile outputs, until the report
 * writers of {@code dev.tinytrain.compiler.report} (text, JSON, SVG) are merged: then {@link #text},
 * {@link #json} and {@link #summary} become calls to them and this class goes away. The one place that decides
 * what the compile command and the Maven goal say about a report.
 */
public final class ReportFiles {
    /** Format of {@link #json}: provisional, replaced by the report writers' own. */
    public static final String JSON_FORMAT = "tinytrain-memory-report/0";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFiles() {
    }

    /** A few lines for a console or a build log: what was compiled, SRAM and Flash against the budgets. */
    public static List<String> summary(CompileResult r) {
        MemoryReport m = r.compiled().report();
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "model   %s%s", m.model(),
                r.model().synthetic() ? "  (SYNTHETIC weights: built-in architecture, seeded random numbers)" : ""));
        out.add(String.format(Locale.ROOT, "scheme  %s   target %s   rounding %s   lr %s   bias lr %s", m.scheme(),
                m.target(), r.compiled().options().training().rounding(),
                Float.toString(r.compiled().options().training().lr()),
                Float.toString(r.compiled().options().training().biasLr())));
        out.add(String.format(Locale.ROOT, "SRAM    %,d B of %,d B (%.1f%%): arena %,d, trainable weights %,d,"
                        + " biases %,d, head %,d, master copies %,d, stack %,d", m.sramTotalBytes(),
                m.sramBudgetBytes(), 100.0 * m.sramTotalBytes() / m.sramBudgetBytes(), m.arenaBytes(),
                m.trainableWeightBytes(), m.biasBytes(), m.headBytes(), m.masterBytes(), m.stackBytes()));
        out.add(String.format(Locale.ROOT, "Flash   %,d B of %,d B (%.1f%%): frozen weights %,d, frozen biases %,d,"
                        + " constants %,d, code %,d (estimate)", m.flashBytes(), m.flashBudgetBytes(),
                100.0 * m.flashBytes() / m.flashBudgetBytes(), m.frozenWeightBytes(), m.frozenBiasBytes(),
                m.constantBytes(), m.codeBytes()));
        out.add(String.format(Locale.ROOT, "arena   %,d B, lower bound %,d B, efficiency %.3f (%s)", m.arenaBytes(),
                m.lowerBoundBytes(), m.efficiency(), m.strategy()));
        return out;
    }

    /** The report as text: the summary, then every arena buffer and every parameter. */
    public static String text(CompileResult r) {
        MemoryReport m = r.compiled().report();
        StringBuilder sb = new StringBuilder();
        sb.append("tinytrain memory report\n\n");
        sb.append(r.model().description()).append('\n');
        if (r.model().synthetic()) {
            sb.append("NOTE: the weights are SYNTHETIC (seeded random numbers, not pretrained). Memory, schedule and"
                    + " code are those of the real model; its predictions are meaningless.\n");
        }
        sb.append('\n');
        for (String line : summary(r)) {
            sb.append(line).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "fits    %s%n", m.fits() ? "yes" : "NO"));
        sb.append(String.format(Locale.ROOT, "%narena buffers (%d)%n", m.tensors().size()));
        sb.append(String.format(Locale.ROOT, "%-40s %-10s %10s %10s %7s %7s%n", "buffer", "kind", "bytes", "offset",
                "first", "last"));
        for (MemoryReport.TensorEntry t : m.tensors()) {
            sb.append(String.format(Locale.ROOT, "%-40s %-10s %,10d %,10d %7d %7d%n", t.buffer(), t.kind(), t.bytes(),
                    t.offset(), t.firstStep(), t.lastStep()));
        }
        sb.append(String.format(Locale.ROOT, "%nparameters (%d)%n", m.parameters().size()));
        sb.append(String.format(Locale.ROOT, "%-44s %-6s %10s %10s%n", "parameter", "where", "SRAM", "Flash"));
        for (MemoryReport.ParameterEntry p : m.parameters()) {
            sb.append(String.format(Locale.ROOT, "%-44s %-6s %,10d %,10d%n", p.name(), p.placement(), p.sramBytes(),
                    p.flashBytes()));
        }
        return sb.toString();
    }

    /** The report as JSON: the {@link MemoryReport} record's fields, plus where the model came from. */
    public static String json(CompileResult r) {
        MemoryReport m = r.compiled().report();
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", JSON_FORMAT);
        root.put("model_description", r.model().description());
        root.put("synthetic_weights", r.model().synthetic());
        root.put("model_source", r.model().kind());
        root.put("fits", m.fits());
        ObjectNode fields = MAPPER.valueToTree(m);
        root.setAll(fields);
        ObjectNode parts = root.putObject("sramParts");
        for (Map.Entry<String, Long> e : m.sramParts().entrySet()) {
            parts.put(e.getKey(), e.getValue());
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
