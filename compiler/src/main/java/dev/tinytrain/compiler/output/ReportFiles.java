package dev.tinytrain.compiler.output;

import dev.tinytrain.compiler.MemoryReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the compile command and the Maven goal print about a compiled step: a few lines naming the model (and
 * whether its weights are synthetic), the options, SRAM and Flash against the budgets. The report files
 * themselves come from {@link dev.tinytrain.compiler.report.ReportWriters}.
 */
public final class ReportFiles {

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
}
