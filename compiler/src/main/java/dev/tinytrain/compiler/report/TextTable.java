package dev.tinytrain.compiler.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table with aligned columns: text columns left-aligned, number columns right-aligned, a rule under
 * the header and (optionally) above a totals row. Used by the text report and the {@code bench} tables.
 */
public final class TextTable {
    private final String[] header;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();
    private final List<Integer> rulesBefore = new ArrayList<>();

    /**
     * A table with these columns; a column whose name starts with {@code >} is right-aligned (the {@code >} is not
     * printed).
     */
    public TextTable(String... columns) {
        header = new String[columns.length];
        right = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            right[i] = columns[i].startsWith(">");
            header[i] = right[i] ? columns[i].substring(1) : columns[i];
        }
    }

    /** Adds a row: one cell per column ({@code null} prints as empty). */
    public TextTable row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.length
                    + " columns: " + Arrays.toString(cells));
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(r);
        return this;
    }

    /** Draws a rule before the next row (e.g. above a totals row). */
    public TextTable rule() {
        rulesBefore.add(rows.size());
        return this;
    }

    /** Number of rows (header and rules not counted). */
    public int size() {
        return rows.size();
    }

    /** The table, each line indented by {@code indent} and ending in a newline; no trailing spaces. */
    public String render(String indent) {
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = header[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        // the rule spans every column but the last only as far as its header: a long free-text last column
        // ("also holds") does not stretch it
        int total = 2 * (header.length - 1);
        for (int c = 0; c < header.length; c++) {
            total += c == header.length - 1 && !right[c] ? header[c].length() : width[c];
        }
        String ruleLine = indent + "-".repeat(total) + "\n";
        StringBuilder sb = new StringBuilder();
        line(sb, indent, header, width);
        sb.append(ruleLine);
        for (int i = 0; i < rows.size(); i++) {
            if (rulesBefore.contains(i)) {
                sb.append(ruleLine);
            }
            line(sb, indent, rows.get(i), width);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render("");
    }

    private void line(StringBuilder sb, String indent, String[] cells, int[] width) {
        StringBuilder l = new StringBuilder(indent);
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                l.append("  ");
            }
            String pad = " ".repeat(width[c] - cells[c].length());
            l.append(right[c] ? pad + cells[c] : cells[c] + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }
}
