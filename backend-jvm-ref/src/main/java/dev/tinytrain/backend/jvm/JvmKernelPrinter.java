package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.backend.jvm.kernels.StepKernels;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.lowering.KernelArg;
import dev.tinytrain.lowering.KernelCall;
import dev.tinytrain.lowering.LoweringContext;
import dev.tinytrain.lowering.NodeLowering;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Prints a {@link KernelCall} as bytecode: pushes each argument (constants inlined, tensor offsets from the layout,
 * tables and parameter arrays as fields of the generated class) and calls the kernel's method
 * ({@link JvmKernels}). The emitter of every kind that {@link NodeLowering} lowers.
 */
final class JvmKernelPrinter {
    private static final Method RNG_KEY = KernelMethods.of(StepKernels.class, "rngKey");
    private static final Method SCALED_LR = KernelMethods.of(StepKernels.class, "scaledLr");

    private JvmKernelPrinter() {
    }

    /** Lowers node {@code n} and prints its call (nothing for a node that moves no data). */
    static void emit(EmitContext c, Node n) {
        NodeLowering.lower(n, new LoweringContext() {
            @Override
            public Graph graph() {
                return c.graph();
            }

            @Override
            public boolean samePlace(Value a, Value b) {
                return c.offsetOf(a) == c.offsetOf(b);
            }

            @Override
            public boolean read(Value v) {
                return c.read(v);
            }
        }).ifPresent(call -> print(c, call));
    }

    /**
     * Pushes the arguments of {@code call} and invokes its kernel; a kernel with a {@link JvmKernels.Binding} is
     * bound into its kernel object with the call's values, and the object's {@code run} is invoked with the runtime
     * arguments.
     */
    static void print(EmitContext c, KernelCall call) {
        Optional<JvmKernels.Binding> binding = JvmKernels.binding(call.kernel());
        if (binding.isPresent()) {
            JvmKernels.Binding b = binding.get();
            c.constant(bind(c, call, b));
            for (int i : b.runArguments()) {
                push(c, call.args().get(i));
            }
            c.invoke(b.run());
            return;
        }
        for (KernelArg a : call.args()) {
            push(c, a);
        }
        c.invoke(JvmKernels.method(call.kernel()));
    }

    /**
     * The kernel object of {@code call} made by {@code binding} from the values of its arguments (a band region's
     * conv is one, run on the region's row windows instead of through {@code run}).
     */
    static Object bind(EmitContext c, KernelCall call, JvmKernels.Binding binding) {
        List<Object> values = new ArrayList<>();
        for (KernelArg a : call.args()) {
            values.add(value(c, a));
        }
        return binding.binder().bind(c, call, Collections.unmodifiableList(values));
    }

    /**
     * The Java value of an argument that is fixed when the program is generated, as its kernel receives it (null for
     * an absent table or list, and for what exists only at run time: the arena, offsets, learning rates and keys).
     */
    static Object value(EmitContext c, KernelArg a) {
        if (a instanceof KernelArg.IntConst v) {
            return v.value();
        } else if (a instanceof KernelArg.FloatConst v) {
            return v.value();
        } else if (a instanceof KernelArg.BoolConst v) {
            return v.value();
        } else if (a instanceof KernelArg.ByteCount v) {
            return v.bytes();
        } else if (a instanceof KernelArg.FloatTable t) {
            return t.values();
        } else if (a instanceof KernelArg.Int32Table t) {
            return t.values();
        } else if (a instanceof KernelArg.Int64Table t) {
            return t.values();
        } else if (a instanceof KernelArg.IndexList l) {
            return l.indices().isEmpty() ? null : l.toArray();
        } else if (a instanceof KernelArg.ConvGeometry g) {
            return convGeom(g);
        } else if (a instanceof KernelArg.Parameter p) {
            return parameter(c, p);
        } else if (a instanceof KernelArg.Rounding r) {
            return RoundingMode.valueOf(r.mode().name());
        }
        return null;
    }

    private static void push(EmitContext c, KernelArg a) {
        if (a instanceof KernelArg.Arena) {
            c.arena();
        } else if (a instanceof KernelArg.Offset o) {
            c.offset(o.tensor());
        } else if (a instanceof KernelArg.NoTensor) {
            c.pushInt(-1);
        } else if (a instanceof KernelArg.IntConst v) {
            c.pushInt(v.value());
        } else if (a instanceof KernelArg.FloatConst v) {
            c.pushFloat(v.value());
        } else if (a instanceof KernelArg.BoolConst v) {
            c.pushInt(v.value() ? 1 : 0);
        } else if (a instanceof KernelArg.ByteCount v) {
            c.pushInt(v.bytes());
        } else if (a instanceof KernelArg.FloatTable t) {
            c.constant(t.values());
        } else if (a instanceof KernelArg.Int32Table t) {
            c.constant(t.values());
        } else if (a instanceof KernelArg.Int64Table t) {
            c.constant(t.values());
        } else if (a instanceof KernelArg.IndexList || a instanceof KernelArg.ConvGeometry
                || a instanceof KernelArg.Parameter) {
            c.constantOrNull(value(c, a));
        } else if (a instanceof KernelArg.Absent) {
            c.pushNull();
        } else if (a instanceof KernelArg.Rounding r) {
            c.pushEnum(RoundingMode.valueOf(r.mode().name()));
        } else if (a instanceof KernelArg.LearningRate lr) {
            learningRate(c, lr.lr());
        } else if (a instanceof KernelArg.RngKey k) {
            rngKey(c, k.paramId());
        } else {
            throw new IllegalStateException("no JVM form for " + a);
        }
    }

    /** The JVM kernels' form of a lowered conv geometry, field for field. */
    static BackwardKernels.ConvGeom convGeom(KernelArg.ConvGeometry g) {
        return new BackwardKernels.ConvGeom(g.inH(), g.inW(), g.inC(), g.outH(), g.outW(), g.outC(), g.kH(), g.kW(),
                g.strideH(), g.strideW(), g.padH(), g.padW(), g.groups());
    }

    /** The runtime array of a parameter argument (the arrays of {@link ParameterArrays}). */
    private static Object parameter(EmitContext c, KernelArg.Parameter p) {
        String name = p.param().name();
        return switch (p.storage()) {
            case INT8_WEIGHT, FLOAT32, FORWARD_VIEW, CONV_BIAS -> c.parameterArray(p.param());
            case INT32 -> c.parameters().int32(name);
            case FLOAT_MASTER -> c.parameters().master(name);
        };
    }

    /** Pushes learning rate {@code lr} at this step: the constant times the session's runtime scale. */
    static void learningRate(EmitContext c, float lr) {
        c.pushFloat(lr);
        c.constant(c.state());
        c.invoke(SCALED_LR);
    }

    /** Pushes the stochastic-rounding key of parameter {@code paramId} at this step. */
    static void rngKey(EmitContext c, int paramId) {
        c.constant(c.state());
        c.pushInt(paramId);
        c.invoke(RNG_KEY);
    }
}
