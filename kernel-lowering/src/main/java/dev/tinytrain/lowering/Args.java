package dev.tinytrain.lowering;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.lowering.KernelArg.Absent;
import dev.tinytrain.lowering.KernelArg.FloatTable;
import dev.tinytrain.lowering.KernelArg.Parameter;
import dev.tinytrain.lowering.KernelArg.Storage;
import dev.tinytrain.lowering.KernelArg.UpdateRounding;

/** Short factories for the argument lists of the lowering rules. */
final class Args {
    private Args() {
    }

    static KernelArg arena() {
        return KernelArg.Arena.INSTANCE;
    }

    static KernelArg off(Value v) {
        return new KernelArg.Offset(v);
    }

    /** An int constant; throws when {@code v} does not fit int32. */
    static KernelArg i(long v) {
        return new KernelArg.IntConst(Math.toIntExact(v));
    }

    static KernelArg f(float v) {
        return new KernelArg.FloatConst(v);
    }

    static KernelArg bool(boolean v) {
        return new KernelArg.BoolConst(v);
    }

    /** The element count of {@code v}. */
    static KernelArg count(Value v) {
        return i(v.type().elementCount());
    }

    /**
     * The offset of the node's clamp mask (its second result) when it keeps one and the program reads it (a
     * training step's backward), else none.
     */
    static KernelArg mask(Node n, LoweringContext c) {
        return n.outputs().size() > 1 && c.read(n.outputs().get(1)) ? off(n.outputs().get(1))
                : KernelArg.NoTensor.INSTANCE;
    }

    static KernelArg param(Value p, Storage s) {
        return new Parameter(p, s);
    }

    static KernelArg floats(float[] values) {
        return new FloatTable(values);
    }

    static KernelArg ints(int[] values) {
        return new KernelArg.Int32Table(values);
    }

    static Quantization q(Value v) {
        return v.type().requireQuantization(v.name());
    }

    // ------------------------------------------------------------------------------------------- updates

    /** The master copy of {@code p} when {@code u} rounds in {@code float_master} mode, else absent. */
    static KernelArg master(Value p, SgdUpdate u) {
        return rounding(u) == UpdateRounding.FLOAT_MASTER ? param(p, Storage.FLOAT_MASTER) : Absent.INSTANCE;
    }

    /** The QAS divisors of {@code u}, or absent without QAS. */
    static KernelArg qas(SgdUpdate u) {
        return u.qasDivisors().isEmpty() ? Absent.INSTANCE : floats(u.qasArray());
    }

    static UpdateRounding rounding(SgdUpdate u) {
        return UpdateRounding.of(u.rounding());
    }

    static KernelArg lr(SgdUpdate u) {
        return new KernelArg.LearningRate(u.lr());
    }

    static KernelArg roundingArg(SgdUpdate u) {
        return new KernelArg.Rounding(rounding(u));
    }

    static KernelArg rngKey(SgdUpdate u) {
        return new KernelArg.RngKey(u.paramId());
    }
}
