package dev.tinytrain.compiler.report;

import static dev.tinytrain.compiler.report.Units.bytes;
import static dev.tinytrain.compiler.report.Units.kb;
import static dev.tinytrain.compiler.report.Units.percent;

import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.MemoryReport.ParameterEntry;
import dev.tinytrain.compiler.MemoryReport.TensorEntry;
import java.util.Locale;
import java.util.Map;

/** The memory report as text: summary, SRAM and Flash parts, the tensor table and the parameter table. */
final class TextReport {
    private static final Map<String, String> SRAM_LABELS = Map.of("arena", "arena", "trainableWeights",
            "trainable weights", "biases", "biases", "head", "head", "masterCopies", "master copies", "stack",
            "stack");
    private static final Map<String, String> FLASH_LABELS = Map.of("frozenWeights", "frozen weights",
            "frozenBiases", "frozen biases", "constants", "constants", "code", "code (estimate)");

    private TextReport() {
    }

    static String render(MemoryReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "tinytrain memory report: model %s, scheme %s, target %s%n", r.model(),
                r.scheme(), r.target()));
        sb.append(status(r)).append("\n\n");

        TextTable summary = new TextTable("", ">bytes", ">KB", "note");
        summary.row("arena", bytes(r.arenaBytes()), kb(r.arenaBytes()), "placement strategy " + r.strategy());
        summary.row("lower bound (LOAD)", bytes(r.lowerBoundBytes()), kb(r.lowerBoundBytes()),
                "largest sum of sizes live at one step");
        summary.row("arena / LOAD", Units.ratio(Units.arenaToLowerBound(r.arenaBytes(), r.lowerBoundBytes())), "",
                "efficiency LOAD / arena " + Units.ratio(r.efficiency()));
        summary.row("forward peak", bytes(r.forwardPeakBytes()), kb(r.forwardPeakBytes()),
                "largest live sum up to the loss" + (r.bandRegions().isEmpty() ? "" : " (prefix in row bands)"));
        summary.row("backward peak", bytes(r.backwardPeakBytes()), kb(r.backwardPeakBytes()),
                "largest live sum after the loss (step " + r.backwardStartStep() + ")");
        summary.rule();
        summary.row("SRAM total", bytes(r.sramTotalBytes()), kb(r.sramTotalBytes()), budget(r.sramTotalBytes(),
                r.sramBudgetBytes()));
        for (Map.Entry<String, Long> e : ReportFacts.sramParts(r).entrySet()) {
            summary.row("  " + SRAM_LABELS.get(e.getKey()), bytes(e.getValue()), kb(e.getValue()),
                    percent(e.getValue(), r.sramTotalBytes()));
        }
        summary.rule();
        summary.row("Flash total", bytes(r.flashBytes()), kb(r.flashBytes()), budget(r.flashBytes(),
                r.flashBudgetBytes()));
        for (Map.Entry<String, Long> e : ReportFacts.flashParts(r).entrySet()) {
            summary.row("  " + FLASH_LABELS.get(e.getKey()), bytes(e.getValue()), kb(e.getValue()),
                    percent(e.getValue(), r.flashBytes()));
        }
        sb.append(summary.render(""));
        sb.append(bandRegions(r));

        int steps = ReportFacts.steps(r);
        long[] live = ReportFacts.liveBytes(r);
        int peak = ReportFacts.peakStep(live);
        sb.append(String.format(Locale.ROOT, "%nTensors: %d arena buffers over schedule steps 0..%d (step 0 is before "
                + "the first op); live bytes peak at step %d%n", r.tensors().size(), Math.max(0, steps - 1), peak));
        TextTable t = new TextTable(">#", "buffer", "kind", ">bytes", ">first", ">last", ">offset", ">end",
                "also holds");
        int i = 0;
        for (TensorEntry e : r.tensors()) {
            String others = ReportFacts.alsoHolds(e);
            t.row(i++, e.buffer(), e.kind(), bytes(e.bytes()), e.firstStep(), e.lastStep(), bytes(e.offset()),
                    bytes(e.offset() + e.bytes()), others);
        }
        sb.append(t.render("  "));
        StringBuilder kinds = new StringBuilder();
        for (Map.Entry<String, long[]> e : ReportFacts.byKind(r).entrySet()) {
            if (e.getValue()[0] > 0) {
                kinds.append(kinds.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%s %d (%s B)",
                        e.getKey(), e.getValue()[0], bytes(e.getValue()[1])));
            }
        }
        sb.append("  by kind: ").append(kinds).append('\n');
        Map<Integer, Long> regions = ReportFacts.streamedRegions(r);
        if (!regions.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "  streamed: the backward of %d blocks runs channel by channel of the "
                    + "expanded tensor (steps %s); stream-scratch holds one group's planes and vector, at most %s B%n",
                    regions.size(), regions.keySet(), bytes(regions.values().stream().mapToLong(Long::longValue).max()
                            .orElse(0))));
        }

        long sram = 0;
        long flash = 0;
        int inSram = 0;
        int split = 0;
        int frozen = 0;
        TextTable p = new TextTable("parameter", "placement", ">SRAM bytes", ">Flash bytes");
        for (ParameterEntry e : r.parameters()) {
            p.row(e.name(), e.placement(), bytes(e.sramBytes()), bytes(e.flashBytes()));
            sram += e.sramBytes();
            flash += e.flashBytes();
            switch (e.placement()) {
                case "sram" -> inSram++;
                case "split" -> split++;
                default -> frozen++;
            }
        }
        p.rule().row("total", "", bytes(sram), bytes(flash));
        sb.append(String.format(Locale.ROOT, "%nParameters: %d (%d trained in SRAM, %d split SRAM/Flash, %d frozen in "
                + "Flash)%n", r.parameters().size(), inSram, split, frozen));
        sb.append(p.render("  "));
        if (!r.fits()) {
            sb.append('\n').append(status(r)).append('\n');
        }
        return sb.toString();
    }

    /** One line: fits, or OVER BUDGET with by how much. */
    /** The band regions: layers, line buffers against the whole tensors, and what streaming costs. */
    static String bandRegions(MemoryReport r) {
        StringBuilder sb = new StringBuilder();
        for (dev.tinytrain.compiler.BandRegionEntry b : r.bandRegions()) {
            sb.append(String.format(Locale.ROOT, "%nBand region at step %d: %d frozen layers %s .. %s in row bands of %d"
                    + " output row(s); line buffers%s %s B instead of %s B of whole tensors; %d kernel calls, %s B"
                    + " shifted, %s recomputed MACs%n", b.step(), b.layers().size() + b.fused().size(),
                    b.layers().get(0),
                    b.layers().get(b.layers().size() - 1), b.bandRows(), b.fused().isEmpty() ? "" : " and scratch",
                    bytes(b.workspaceBytes()),
                    bytes(b.wholeBytes()), b.kernelCalls(), bytes(b.shiftedBytes()), bytes(b.recomputedMacs())));
            TextTable t = new TextTable("tensor", ">rows", ">of", ">row B", ">bytes", ">offset", "written over");
            for (dev.tinytrain.compiler.BandRegionEntry.LineBuffer l : b.lineBuffers()) {
                t.row(l.tensor(), Integer.toString(l.rows()), Integer.toString(l.tensorRows()),
                        bytes(l.rowBytes()), bytes(l.bytes()), bytes(l.offset()),
                        l.over().isEmpty() ? "" : l.over() + "'s dying row");
            }
            sb.append(t.render("  "));
            if (!b.fused().isEmpty()) {
                sb.append(String.format(Locale.ROOT, "  fused 1x1 expansions (expanded rows recomputed per channel"
                        + " group from the expansion's input rows, no line buffer of their own):%n"));
                TextTable f = new TextTable("expansion", "into", ">group", ">whole B", ">scratch B", ">offset",
                        ">recomputed MACs");
                for (dev.tinytrain.compiler.BandRegionEntry.FusedLayer l : b.fused()) {
                    f.row(l.expansion(), l.depthwise(), Integer.toString(l.group()), bytes(l.expandedBytes()),
                            bytes(l.scratchBytes()), bytes(l.offset()), bytes(l.recomputedMacs()));
                }
                sb.append(f.render("  "));
            }
        }
        return sb.toString();
    }

    static String status(MemoryReport r) {
        if (r.fits()) {
            return r.sramBudgetBytes() == Units.UNBOUNDED && r.flashBudgetBytes() == Units.UNBOUNDED
                    ? "status: no budget (target " + r.target() + ")"
                    : "status: FITS " + r.target();
        }
        StringBuilder sb = new StringBuilder("status: *** OVER BUDGET for " + r.target() + ":");
        if (!ReportFacts.sramFits(r)) {
            sb.append(String.format(Locale.ROOT, " SRAM needs %s B, budget %s B (%s B over)",
                    bytes(r.sramTotalBytes()), bytes(r.sramBudgetBytes()),
                    bytes(r.sramTotalBytes() - r.sramBudgetBytes())));
        }
        if (!ReportFacts.flashFits(r)) {
            sb.append(ReportFacts.sramFits(r) ? "" : ";").append(String.format(Locale.ROOT,
                    " Flash needs %s B, budget %s B (%s B over)", bytes(r.flashBytes()), bytes(r.flashBudgetBytes()),
                    bytes(r.flashBytes() - r.flashBudgetBytes())));
        }
        return sb.append(" ***").toString();
    }

    private static String budget(long need, long budget) {
        if (budget == Units.UNBOUNDED) {
            return "no budget";
        }
        return String.format(Locale.ROOT, "of %s B budget (%s)%s", bytes(budget), percent(need, budget),
                need > budget ? "  OVER by " + bytes(need - budget) + " B" : "");
    }
}
