package dev.tinytrain.backend.c;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.ParameterUpdate;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a generated model keeps each parameter (ARCHITECTURE.md §6): frozen parameters {@code const} (Flash);
 * trained ones in SRAM -- an int8 weight trained on some channels only is split, its trainable channels in an SRAM
 * array and the rest {@code const} in Flash ({@code tt_weight}); a float32 master copy (SRAM) of every int8/int32
 * parameter an update rounds in {@code float_master} mode. A parameter counts as trained when an update op of the
 * schedule writes it.
 */
final class CParameters {

    /** The C storage of one parameter. */
    static final class Storage {
        final int index;
        final Parameter param;
        final String name;       // C array base name, e.g. tt_p12
        final boolean trained;
        final List<Integer> channels; // trained channels of a split weight (empty: whole)
        final boolean master;
        final int rows;
        final int width;

        Storage(int index, Parameter param, boolean trained, List<Integer> channels, boolean master) {
            this.index = index;
            this.param = param;
            this.name = "tt_p" + index;
            this.trained = trained;
            this.channels = channels;
            this.master = master;
            int[] dims = param.value().type().shape().toArray();
            if (dims.length == 4) {
                this.width = dims[3];
                this.rows = dims[0] * dims[1] * dims[2];
            } else {
                this.width = Math.toIntExact(param.value().type().elementCount());
                this.rows = 1;
            }
        }

        DType dtype() {
            return param.value().type().dtype();
        }

        boolean split() {
            return !channels.isEmpty();
        }

        int count() {
            return Math.toIntExact(param.value().type().elementCount());
        }

        /** Elements of the SRAM storage (trained part of a split weight). */
        int trainedCount() {
            return split() ? rows * channels.size() : count();
        }

        List<Integer> frozenChannels() {
            List<Integer> f = new ArrayList<>();
            for (int c = 0; c < width; c++) {
                if (!channels.contains(c)) {
                    f.add(c);
                }
            }
            return f;
        }

        /** The SRAM array a trained parameter is updated in (the trained part of a split weight). */
        String sramArray() {
            return split() ? name + "_t" : name;
        }

        String masterArray() {
            return name + "_m";
        }

        String weightStruct() {
            return name + "_w";
        }
    }

    private final Map<String, Storage> byName = new LinkedHashMap<>();
    private final CStateLayout state;

    CParameters(Graph g, List<Node> schedule) {
        Map<String, SgdUpdate> updates = new LinkedHashMap<>();
        for (Node n : schedule) {
            for (ParameterUpdate pu : n.traits().parameterUpdates()) {
                Value p = pu.parameter(n.inputs());
                SgdUpdate u = pu.rule();
                SgdUpdate before = updates.put(p.name(), u);
                if (before != null && (!before.channels().equals(u.channels())
                        || !before.rounding().equals(u.rounding()))) {
                    throw new IllegalArgumentException("parameter " + p.name() + " is updated twice with different "
                            + "channels or rounding (" + n.name() + ")");
                }
            }
        }
        int i = 0;
        CStateLayout.Builder sb = new CStateLayout.Builder();
        for (Parameter p : g.parameters()) {
            SgdUpdate u = updates.get(p.name());
            DType t = p.value().type().dtype();
            if (t == DType.BIT) {
                throw new IllegalArgumentException("bit parameters are not supported: " + p.name());
            }
            boolean trained = u != null;
            List<Integer> channels = List.of();
            if (trained && t == DType.INT8 && !u.channels().isEmpty()) {
                if (p.value().type().shape().rank() != 4) {
                    throw new IllegalArgumentException("partially trained int8 parameter " + p.name()
                            + " is not a rank-4 conv weight");
                }
                int width = p.value().type().shape().dim(3);
                List<Integer> sorted = new ArrayList<>(u.channels());
                sorted.sort(null);
                if (sorted.size() < width) {
                    channels = List.copyOf(sorted);
                }
            }
            boolean master = trained && t != DType.FLOAT32 && u.rounding().equals("float_master");
            Storage s = new Storage(i++, p, trained, channels, master);
            byName.put(p.name(), s);
            if (trained) {
                switch (t) {
                    case INT8 -> sb.add(p.name(), CStateLayout.Kind.INT8_WEIGHT, s.channels, s.rows, s.width, 1);
                    case INT32 -> sb.add(p.name(), CStateLayout.Kind.INT32, List.of(), 1, s.count(), 4);
                    default -> sb.add(p.name(), CStateLayout.Kind.FLOAT32, List.of(), 1, s.count(), 4);
                }
                if (master) {
                    sb.add(p.name(), CStateLayout.Kind.MASTER, s.channels, s.rows, s.width, 4);
                }
            }
        }
        this.state = sb.build();
    }

    Storage of(Value v) {
        Storage s = byName.get(v.name());
        if (s == null) {
            throw new IllegalArgumentException("%" + v.name() + " is not a parameter");
        }
        return s;
    }

    List<Storage> all() {
        return new ArrayList<>(byName.values());
    }

    CStateLayout state() {
        return state;
    }

    /** SRAM bytes of trained storage and masters (what the planner counts as trainable parameters). */
    long sramBytes() {
        long n = 0;
        for (Storage s : byName.values()) {
            if (s.trained) {
                n += (long) s.trainedCount() * (s.dtype() == DType.INT8 ? 1 : 4);
                if (s.master) {
                    n += 4L * s.trainedCount();
                }
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------- declarations

    /** Writes every parameter's C definition. */
    void declare(StringBuilder out) {
        for (Storage s : byName.values()) {
            Parameter p = s.param;
            String shape = p.value().type().dtype().irName() + " " + p.value().type().shape() + " "
                    + p.value().type().layout().irName();
            String where = !s.trained ? "frozen, const (Flash)"
                    : s.split() ? "split: channels " + s.channels + " of the last axis trainable (SRAM), the other "
                            + (s.width - s.channels.size()) + " frozen (Flash)"
                    : "trained (SRAM)";
            out.append("/* ").append(s.name).append(": ").append(CLiterals.comment(p.name())).append(", ")
                    .append(shape).append(", ").append(where).append(s.master ? ", float32 master copy (SRAM)" : "")
                    .append(" */\n");
            switch (s.dtype()) {
                case INT8 -> declareInt8(out, s);
                case INT32 -> {
                    int[] v = p.data().toInt32();
                    array(out, (s.trained ? "static " : "static const ") + "int32_t " + s.name, v.length,
                            k -> CLiterals.i32(v[k]), 12);
                    if (s.master) {
                        array(out, "static float " + s.masterArray(), v.length, k -> intFloat((float) v[k]), 8);
                    }
                }
                case FLOAT32 -> {
                    float[] v = p.data().toFloat32();
                    array(out, (s.trained ? "static " : "static const ") + "float " + s.name, v.length,
                            k -> CLiterals.f32(v[k]), 6);
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    private static void declareInt8(StringBuilder out, Storage s) {
        byte[] w = s.param.data().toInt8();
        if (!s.split()) {
            array(out, (s.trained ? "static " : "static const ") + "int8_t " + s.name, w.length,
                    k -> Integer.toString(w[k]), 24);
            out.append("static const tt_weight ").append(s.weightStruct()).append(" = ")
                    .append(s.trained ? "TT_WEIGHT_TRAINED(" : "TT_WEIGHT_FROZEN(").append(s.name).append(");\n");
            if (s.master) {
                array(out, "static float " + s.masterArray(), w.length, k -> intFloat(w[k]), 12);
            }
            return;
        }
        List<Integer> t = s.channels;
        List<Integer> f = s.frozenChannels();
        int[] slot = new int[s.width];
        for (int j = 0; j < t.size(); j++) {
            slot[t.get(j)] = j;
        }
        for (int j = 0; j < f.size(); j++) {
            slot[f.get(j)] = -1 - j;
        }
        byte[] tp = part(w, s.rows, s.width, t);
        byte[] fp = part(w, s.rows, s.width, f);
        array(out, "static int8_t " + s.name + "_t", tp.length, k -> Integer.toString(tp[k]), 24);
        if (fp.length > 0) {
            array(out, "static const int8_t " + s.name + "_f", fp.length, k -> Integer.toString(fp[k]), 24);
        }
        array(out, "static const int32_t " + s.name + "_tch", t.size(), k -> Integer.toString(t.get(k)), 16);
        if (!f.isEmpty()) {
            array(out, "static const int32_t " + s.name + "_fch", f.size(), k -> Integer.toString(f.get(k)), 16);
        }
        array(out, "static const int32_t " + s.name + "_slot", slot.length, k -> Integer.toString(slot[k]), 16);
        out.append("static const tt_weight ").append(s.weightStruct()).append(" = {")
                .append(fp.length > 0 ? s.name + "_f" : "0").append(", ").append(s.name).append("_t, ")
                .append(f.size()).append(", ").append(t.size()).append(", ")
                .append(f.isEmpty() ? "0" : s.name + "_fch").append(", ").append(s.name).append("_tch, ")
                .append(s.name).append("_slot};\n");
        if (s.master) {
            array(out, "static float " + s.masterArray(), tp.length, k -> intFloat(tp[k]), 12);
        }
    }

    static byte[] part(byte[] whole, int rows, int width, List<Integer> channels) {
        byte[] p = new byte[rows * channels.size()];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < channels.size(); j++) {
                p[r * channels.size() + j] = whole[r * width + channels.get(j)];
            }
        }
        return p;
    }

    /** An integer-valued float literal (exact: every such float32 is an integer a decimal literal states exactly). */
    static String intFloat(float v) {
        if (v != Math.rint(v) || Math.abs(v) >= 1e15f) {
            return CLiterals.f32(v);
        }
        return String.format(Locale.ROOT, "%d.0f", (long) v);
    }

    /** {@code decl[n] = {...};} with {@code perLine} values per line; empty arrays are not valid C99. */
    static void array(StringBuilder out, String decl, int n, java.util.function.IntFunction<String> value,
                      int perLine) {
        if (n == 0) {
            throw new IllegalArgumentException("empty C array " + decl);
        }
        out.append(decl).append('[').append(n).append("] = {");
        for (int k = 0; k < n; k++) {
            if (k % perLine == 0) {
                out.append("\n    ");
            } else {
                out.append(' ');
            }
            out.append(value.apply(k));
            if (k + 1 < n) {
                out.append(',');
            }
        }
        out.append("\n};\n");
    }
}
