package dev.tinytrain.compiler.report;

import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.MemoryReport.TensorEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Figures the writers derive from a {@link MemoryReport} (nothing here changes the report). */
final class ReportFacts {
    /** The tensor kinds of {@link TensorEntry#kind()}, in the order the writers list them. */
    static final List<String> KINDS = List.of("input", "activation", "mask", "gradient", "workspace", "band-lines",
            "stream-scratch",
            "output");

    private ReportFacts() {
    }

    /** Schedule steps covered by the tensors: {@code 0 .. steps-1} (the largest last step + 1). */
    /**
     * The "also holds" list of a buffer: its values other than the buffer's name, each with {@code " @+N"} when it
     * starts N bytes into the buffer; the buffer's own value is listed too when it does not start at the buffer's
     * offset (around an in-place depthwise conv).
     */
    static String alsoHolds(TensorEntry t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.values().size(); i++) {
            String v = t.values().get(i);
            long rel = t.valueOffsets().get(i) - t.offset();
            if (!v.equals(t.buffer()) || rel != 0) {
                out.add(rel == 0 ? v : v + " @+" + Units.bytes(rel));
            }
        }
        return String.join(", ", out);
    }

    static int steps(MemoryReport r) {
        int s = 0;
        for (TensorEntry t : r.tensors()) {
            s = Math.max(s, t.lastStep() + 1);
        }
        return s;
    }

    /** Bytes live at each step: {@code live[s]} = sum of the sizes of the tensors with first <= s <= last. */
    static long[] liveBytes(MemoryReport r) {
        long[] live = new long[steps(r)];
        for (TensorEntry t : r.tensors()) {
            for (int s = t.firstStep(); s <= t.lastStep(); s++) {
                live[s] += t.bytes();
            }
        }
        return live;
    }

    /** The first step where the live bytes are largest (-1 without tensors). */
    static int peakStep(long[] live) {
        int best = -1;
        for (int s = 0; s < live.length; s++) {
            if (best < 0 || live[s] > live[best]) {
                best = s;
            }
        }
        return best;
    }

    /** The SRAM parts with camelCase keys, in the order of {@link MemoryReport#sramParts()}. */
    static Map<String, Long> sramParts(MemoryReport r) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("arena", r.arenaBytes());
        m.put("trainableWeights", r.trainableWeightBytes());
        m.put("biases", r.biasBytes());
        m.put("head", r.headBytes());
        m.put("masterCopies", r.masterBytes());
        m.put("stack", r.stackBytes());
        return m;
    }

    /** The Flash parts with camelCase keys. */
    static Map<String, Long> flashParts(MemoryReport r) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("frozenWeights", r.frozenWeightBytes());
        m.put("frozenBiases", r.frozenBiasBytes());
        m.put("constants", r.constantBytes());
        m.put("code", r.codeBytes());
        return m;
    }

    static boolean sramFits(MemoryReport r) {
        return r.sramTotalBytes() <= r.sramBudgetBytes();
    }

    static boolean flashFits(MemoryReport r) {
        return r.flashBytes() <= r.flashBudgetBytes();
    }

    /**
     * The largest arena that would still fit the SRAM budget with the other SRAM parts unchanged, or -1 when the
     * target has no budget.
     */
    static long arenaRoom(MemoryReport r) {
        if (r.sramBudgetBytes() == Units.UNBOUNDED) {
            return -1;
        }
        return r.sramBudgetBytes() - (r.sramTotalBytes() - r.arenaBytes());
    }

    /**
     * The channel-streamed regions of the step: the step each runs at (its scratch lives only there) with the bytes of
     * its scratch, in step order.
     */
    static Map<Integer, Long> streamedRegions(MemoryReport r) {
        Map<Integer, Long> m = new java.util.TreeMap<>();
        for (TensorEntry t : r.tensors()) {
            if (t.kind().equals("stream-scratch")) {
                m.merge(t.firstStep(), t.bytes(), Long::sum);
            }
        }
        return m;
    }

    /** Per kind: number of buffers and their summed bytes, in {@link #KINDS} order (other kinds after). */
    static Map<String, long[]> byKind(MemoryReport r) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String k : KINDS) {
            m.put(k, new long[2]);
        }
        for (TensorEntry t : r.tensors()) {
            long[] c = m.computeIfAbsent(t.kind(), k -> new long[2]);
            c[0]++;
            c[1] += t.bytes();
        }
        return m;
    }
}
