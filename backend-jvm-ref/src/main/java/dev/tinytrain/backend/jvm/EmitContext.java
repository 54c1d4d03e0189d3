package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.Value;
import org.objectweb.asm.MethodVisitor;


/**
 * What an op emitter may do while the program's {@code run(byte[] arena)} method is generated: push the arena,
 * inlined int/float constants, value offsets from the layout, constant arrays (held in final fields of the
 * generated class), and call a kernel. Each emitter produces exactly one kernel call per scheduled op.
 */
public interface EmitContext {

    /** Pushes the arena ({@code byte[]}). */
    void arena();

    /** Pushes an int constant. */
    void pushInt(int v);

    /** Pushes a float constant (bit-exact). */
    void pushFloat(float v);

    /** Pushes the arena offset of {@code v} (an int constant from the layout). */
    void offset(Value v);

    /** The arena offset of {@code v} (for kernels lowered with their offsets, e.g. a streamed region). */
    int offsetOf(Value v);

    /** True when {@code v} has a place in the arena (parameters do not). */
    boolean inArena(Value v);

    /**
     * True when the program being generated reads {@code v} ({@code Graph.valuesRead} of its nodes): an inference
     * program reads no clamp mask, so its convs and adds write none.
     */
    boolean read(Value v);

    /**
     * Pushes a constant object (an array, or a kernel lowered with its constants) held in a final field of the
     * generated class; the same object is pushed every time it is passed again, so kernels that update parameters
     * in place see one copy.
     */
    void constant(Object array);

    /** The runtime array holding parameter {@code v}'s values (see {@link ParameterArrays}). */
    Object parameterArray(Value v);

    /** Pushes {@code null} (an absent optional array). */
    void pushNull();

    /** Pushes a constant array, or null when {@code array} is null. */
    default void constantOrNull(Object array) {
        if (array == null) {
            pushNull();
        } else {
            constant(array);
        }
    }

    /** Pushes an enum constant. */
    void pushEnum(Enum<?> e);

    /** The graph being compiled (to find, e.g., the conv that owns a parameter). */
    dev.tinytrain.ir.Graph graph();

    /** The parameter arrays of the program (training ops also read masters and int32 storage). */
    ParameterArrays parameters();

    /** The scratch arrays the program's fast kernels share (they run one after another, on one thread). */
    dev.tinytrain.backend.jvm.fast.Scratch scratch();

    /**
     * The program's {@code int[] {step, seed, lrScaleBits}} state array: stochastic rounding keys and the raw
     * float bits of the runtime learning-rate scale.
     */
    int[] state();

    /**
     * Calls {@code kernel}: a static method with its arguments pushed, or an instance method with its receiver
     * (a {@link #constant}) and arguments pushed. Owner and descriptor come from the method itself.
     */
    void invoke(java.lang.reflect.Method kernel);

    /** The underlying visitor, for emitters that need more than the helpers above. */
    MethodVisitor visitor();

}
