package dev.tinytrain.backend.c;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.lowering.ConvArgs;
import dev.tinytrain.lowering.KernelArg;
import dev.tinytrain.lowering.KernelCall;
import dev.tinytrain.lowering.LoweringContext;
import dev.tinytrain.lowering.NodeLowering;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prints a {@link KernelCall} as one C statement: each argument becomes its C expressions (tensor offsets from the
 * layout, tables as deduplicated {@code static const} arrays, parameters in their C storage), the call is written
 * in its {@link CFunction}'s form. The C emitter of every kind that {@link NodeLowering} lowers.
 */
final class CKernelPrinter {
    private CKernelPrinter() {
    }

    /** Lowers node {@code n} and prints its call, or a comment when the node moves no data. */
    static void emit(CEmitContext c, Node n) {
        Optional<KernelCall> call = NodeLowering.lower(n, new LoweringContext() {
            @Override
            public Graph graph() {
                return c.graph();
            }

            @Override
            public boolean samePlace(Value a, Value b) {
                return c.off(a).equals(c.off(b));
            }

            @Override
            public boolean read(Value v) {
                return c.read(v);
            }
        });
        if (call.isEmpty()) {
            c.statement("/* " + n.op().kind().irName() + " in place: no data moves */");
            return;
        }
        print(c, call.get());
    }

    /** Appends the statement of {@code call}. */
    static void print(CEmitContext c, KernelCall call) {
        print(c, call, Map.of());
    }

    /**
     * Appends the statement of {@code call} with some arguments given as C expressions instead of their own: a band
     * region's conv on a row window ({@code overrides} maps an argument's index to its expression).
     */
    static void print(CEmitContext c, KernelCall call, Map<Integer, String> overrides) {
        CFunction f = CFunction.forCall(c, call);
        List<String> args = new ArrayList<>();
        for (int i : f.argumentsOf(call)) { // in order: tables are named in the order they are first used
            if (i == CFunction.ZERO_POINT_WEIGHT_SUMS) {
                args.add(zeroPointTimesWeightSums(c, call));
            } else if (overrides.containsKey(i)) {
                args.add(overrides.get(i));
            } else {
                args.addAll(expressions(c, call.args().get(i)));
            }
        }
        switch (f.form()) {
            case CALL -> c.call(f.name(), args.toArray(String[]::new));
            case CALL_IGNORING_RESULT -> c.statement("(void)" + f.name() + "(" + String.join(", ", args) + ");");
            case MEMMOVE -> c.call(f.name(), args.get(2) + " + " + args.get(3), args.get(0) + " + " + args.get(1),
                    args.get(4));
            default -> throw new IllegalStateException(f.form().toString());
        }
    }

    /** The C parameters an argument fills: one expression, two for an index list, none for a JVM-only view. */
    private static List<String> expressions(CEmitContext c, KernelArg a) {
        if (a instanceof KernelArg.Arena) {
            return List.of(c.arena());
        } else if (a instanceof KernelArg.Offset o) {
            return List.of(c.off(o.tensor()));
        } else if (a instanceof KernelArg.NoTensor) {
            return List.of("-1");
        } else if (a instanceof KernelArg.IntConst v) {
            return List.of(CLiterals.i32(v.value()));
        } else if (a instanceof KernelArg.FloatConst v) {
            return List.of(c.f(v.value()));
        } else if (a instanceof KernelArg.BoolConst v) {
            return List.of(v.value() ? "1" : "0");
        } else if (a instanceof KernelArg.ByteCount v) {
            return List.of("(size_t)" + v.bytes());
        } else if (a instanceof KernelArg.FloatTable t) {
            return List.of(c.floats(t.values()));
        } else if (a instanceof KernelArg.Int32Table t) {
            return List.of(c.ints(java.util.Arrays.stream(t.values()).boxed().toList()));
        } else if (a instanceof KernelArg.Int64Table t) {
            return List.of(c.int64s(t.values()));
        } else if (a instanceof KernelArg.IndexList l) {
            return List.of(c.ints(l.indices()), Integer.toString(l.indices().size()));
        } else if (a instanceof KernelArg.ConvGeometry g) {
            return List.of(c.geom(CGeom.of(g)));
        } else if (a instanceof KernelArg.Parameter p) {
            return parameter(c, p);
        } else if (a instanceof KernelArg.Absent) {
            return List.of("0");
        } else if (a instanceof KernelArg.Rounding r) {
            return List.of("TT_ROUND_" + r.mode().name());
        } else if (a instanceof KernelArg.LearningRate lr) {
            return List.of(c.lr(lr.lr()));
        } else if (a instanceof KernelArg.RngKey k) {
            return List.of(c.rngKey(k.paramId()));
        }
        throw new IllegalStateException("no C form for " + a);
    }

    /**
     * The {@code zw} table of a conv call ({@link CFunction#ZERO_POINT_WEIGHT_SUMS}): {@code xZero * sum w[o][*]}
     * per output channel of a frozen weight of rows {@code [out_c][row]} (exact in int32: at most 128 * 65793 * 128
     * in magnitude), or NULL for a trained weight or a zero point of 0.
     */
    private static String zeroPointTimesWeightSums(CEmitContext c, KernelCall call) {
        Value w = ((KernelArg.Parameter) call.args().get(ConvArgs.WEIGHT)).param();
        int xZero = ((KernelArg.IntConst) call.args().get(ConvArgs.X_ZERO)).value();
        return zeroPointTimesWeightSums(c, w, xZero, w.type().shape().elementCount() / w.type().shape().dim(0));
    }

    /** The {@code zw} table of weight {@code w} with rows of {@code row} values (a band's fused expansion's too). */
    static String zeroPointTimesWeightSums(CEmitContext c, Value w, int xZero, long row) {
        Optional<byte[]> values = c.constantWeight(w);
        if (values.isEmpty() || xZero == 0) {
            return "0";
        }
        byte[] v = values.get();
        List<Integer> zw = new ArrayList<>();
        for (int o = 0; o < v.length / row; o++) {
            int sum = 0;
            for (int k = 0; k < row; k++) {
                sum += v[Math.toIntExact(o * row + k)];
            }
            zw.add(xZero * sum);
        }
        return c.ints(zw);
    }

    private static List<String> parameter(CEmitContext c, KernelArg.Parameter p) {
        Value v = p.param();
        return switch (p.storage()) {
            case INT8_WEIGHT -> List.of(c.weight(v));
            case FLOAT32 -> List.of(c.floatParam(v));
            case INT32 -> List.of(c.int32Array(v));
            case FLOAT_MASTER -> List.of(c.masterArray(v));
            // the C forward reads the int32 array or the master itself: no float view to refresh
            case FORWARD_VIEW -> List.of();
            case CONV_BIAS -> c.biasArgs(v);
        };
    }
}
