package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.kernels.ArenaAccess;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Value;
import java.util.Arrays;

/** One arena of a {@link JvmProgram}: write inputs, run, read any value that is still in its place. */
public final class JvmRun {
    private final JvmProgram program;
    private final byte[] arena;

    JvmRun(JvmProgram program) {
        this.program = program;
        this.arena = new byte[Math.toIntExact(program.layout().arenaBytes())];
    }

    /** Writes int8 data into value {@code v}'s place. */
    public void setInt8(Value v, byte[] data) {
        write(arena, program.layout(), v, data);
    }

    /** Runs the program. */
    public void run() {
        program.run(arena);
    }

    /** Reads int8 value {@code v}. */
    public byte[] int8(Value v) {
        return readInt8(arena, program.layout(), v);
    }

    /** Reads float32 value {@code v}. */
    public float[] float32(Value v) {
        return readFloat32(arena, program.layout(), v);
    }

    /** Writes float32 data into value {@code v}'s place. */
    public void setFloat32(Value v, float[] data) {
        require(v, DType.FLOAT32);
        if (data.length != v.type().elementCount()) {
            throw new IllegalArgumentException("%" + v.name() + " needs " + v.type().elementCount() + " floats");
        }
        int off = program.layout().offsetOf(v);
        for (int i = 0; i < data.length; i++) {
            ArenaAccess.putFloat(arena, off + 4 * i, data[i]);
        }
    }

    /**
     * Writes a model input: its int8 values, or for a float32 input (an imported model that starts with QUANTIZE)
     * the little-endian bytes of its floats, as the C runtime's {@code tt_train_step} takes them.
     */
    static void write(byte[] arena, dev.tinytrain.planner.ArenaLayout layout, Value v, byte[] data) {
        DType t = v.type().dtype();
        if (t != DType.INT8 && t != DType.FLOAT32) {
            throw new IllegalArgumentException("%" + v.name() + " is " + t.irName() + ", not int8 or float32");
        }
        if (data.length != v.type().byteSize()) {
            throw new IllegalArgumentException("%" + v.name() + " " + v.type().shape() + " needs "
                    + v.type().elementCount() + (t == DType.INT8 ? " int8 values" : " float32 values ("
                    + v.type().byteSize() + " little-endian bytes)") + ", got " + data.length + " bytes");
        }
        System.arraycopy(data, 0, arena, layout.offsetOf(v), data.length);
    }

    static void writeInt(byte[] arena, dev.tinytrain.planner.ArenaLayout layout, Value v, int value) {
        require(v, DType.INT32);
        ArenaAccess.putInt(arena, layout.offsetOf(v), value);
    }

    static float[] readFloat32(byte[] arena, dev.tinytrain.planner.ArenaLayout layout, Value v) {
        require(v, DType.FLOAT32);
        int off = layout.offsetOf(v);
        float[] out = new float[Math.toIntExact(v.type().elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = ArenaAccess.getFloat(arena, off + 4 * i);
        }
        return out;
    }

    static byte[] readInt8(byte[] arena, dev.tinytrain.planner.ArenaLayout layout, Value v) {
        require(v, DType.INT8);
        int off = layout.offsetOf(v);
        return Arrays.copyOfRange(arena, off, off + Math.toIntExact(v.type().elementCount()));
    }

    private static void require(Value v, DType t) {
        if (v.type().dtype() != t) {
            throw new IllegalArgumentException("%" + v.name() + " is " + v.type().dtype().irName() + ", not "
                    + t.irName());
        }
    }
}
