package dev.tinytrain.lowering;

import dev.tinytrain.ir.Value;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One argument of a {@link KernelCall}: a compile-time constant, or a symbolic reference that each backend
 * resolves from its own state (a tensor's offset from its memory layout, a parameter from its storage, the learning
 * rate and rounding key from the step's runtime state). Tables are copied on the way in and out, so a call is
 * immutable; their {@code equals} compares contents.
 */
public sealed interface KernelArg {

    /** The kind of slot this argument fills. */
    ArgKind kind();

    /** The arena. */
    record Arena() implements KernelArg {
        /** The one instance. */
        public static final Arena INSTANCE = new Arena();

        @Override
        public ArgKind kind() {
            return ArgKind.ARENA;
        }
    }

    /** The byte offset of {@code tensor} in the arena, resolved by each backend from its layout. */
    record Offset(Value tensor) implements KernelArg {
        /** Validates. */
        public Offset {
            Objects.requireNonNull(tensor, "tensor");
        }

        @Override
        public ArgKind kind() {
            return ArgKind.OFFSET;
        }
    }

    /** The -1 an {@link ArgKind#OPTIONAL_OFFSET} receives when there is no such tensor. */
    record NoTensor() implements KernelArg {
        /** The one instance. */
        public static final NoTensor INSTANCE = new NoTensor();

        @Override
        public ArgKind kind() {
            return ArgKind.OPTIONAL_OFFSET;
        }
    }

    /** An int32 constant. */
    record IntConst(int value) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.INT;
        }
    }

    /** A float32 constant, printed bit-exact by both backends. */
    record FloatConst(float value) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.FLOAT;
        }
    }

    /** A flag. */
    record BoolConst(boolean value) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.BOOL;
        }
    }

    /** A byte count. */
    record ByteCount(int bytes) implements KernelArg {
        /** Validates. */
        public ByteCount {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative byte count " + bytes);
            }
        }

        @Override
        public ArgKind kind() {
            return ArgKind.BYTE_COUNT;
        }
    }

    /** A constant float32 table. */
    record FloatTable(float[] values) implements KernelArg {
        /** Copies. */
        public FloatTable {
            values = values.clone();
        }

        @Override
        public float[] values() {
            return values.clone();
        }

        @Override
        public ArgKind kind() {
            return ArgKind.FLOAT_TABLE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FloatTable t && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "FloatTable" + Arrays.toString(values);
        }
    }

    /** A constant int32 table. */
    record Int32Table(int[] values) implements KernelArg {
        /** Copies. */
        public Int32Table {
            values = values.clone();
        }

        @Override
        public int[] values() {
            return values.clone();
        }

        @Override
        public ArgKind kind() {
            return ArgKind.INT32_TABLE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Int32Table t && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Int32Table" + Arrays.toString(values);
        }
    }

    /** A constant int64 table. */
    record Int64Table(long[] values) implements KernelArg {
        /** Copies. */
        public Int64Table {
            values = values.clone();
        }

        @Override
        public long[] values() {
            return values.clone();
        }

        @Override
        public ArgKind kind() {
            return ArgKind.INT64_TABLE;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Int64Table t && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Int64Table" + Arrays.toString(values);
        }
    }

    /** A constant list of indices (channels), possibly empty. */
    record IndexList(List<Integer> indices) implements KernelArg {
        /** Copies. */
        public IndexList {
            indices = List.copyOf(indices);
        }

        /** The indices as an array. */
        public int[] toArray() {
            return indices.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public ArgKind kind() {
            return ArgKind.INDEX_LIST;
        }
    }

    /**
     * A conv's geometry, batch 1, NHWC, one padding per dimension (C {@code tt_conv_geom}, JVM
     * {@code BackwardKernels.ConvGeom}, field for field).
     */
    record ConvGeometry(int inH, int inW, int inC, int outH, int outW, int outC, int kH, int kW, int strideH,
                        int strideW, int padH, int padW, int groups) implements KernelArg {

        /**
         * The geometry of {@code conv} for an input {@code inH x inW x inC} (the whole input, or a channel slice of
         * it), output {@code out} and weight {@code w}.
         */
        public static ConvGeometry of(dev.tinytrain.ir.ops.Conv2d conv, int inH, int inW, int inC,
                                      dev.tinytrain.ir.Shape out, Value w) {
            return new ConvGeometry(inH, inW, inC, out.dim(1), out.dim(2), out.dim(3),
                    dev.tinytrain.ir.ops.Conv2d.kernelHeight(w), dev.tinytrain.ir.ops.Conv2d.kernelWidth(w),
                    conv.stride(), conv.stride(), conv.padTop(), conv.padLeft(), conv.groups());
        }

        @Override
        public ArgKind kind() {
            return ArgKind.CONV_GEOMETRY;
        }
    }

    /** Where a parameter argument comes from: which of its storages the kernel reads or writes. */
    enum Storage {
        /** The int8 weight (whole or split into frozen and trainable channels). */
        INT8_WEIGHT(ArgKind.INT8_WEIGHT),
        /** A float32 parameter's array. */
        FLOAT32(ArgKind.FLOAT_PARAM),
        /** An int32 bias's array. */
        INT32(ArgKind.INT32_PARAM),
        /** The float32 master copy ({@code float_master} rounding). */
        FLOAT_MASTER(ArgKind.MASTER),
        /** The float32 values the JVM forward adds for a trained int32 bias. */
        FORWARD_VIEW(ArgKind.FORWARD_VIEW),
        /** A conv bias as the forward reads it ({@link ArgKind#CONV_BIAS}). */
        CONV_BIAS(ArgKind.CONV_BIAS);

        private final ArgKind kind;

        Storage(ArgKind kind) {
            this.kind = kind;
        }
    }

    /** Parameter {@code param} in one of its storages, resolved by each backend. */
    record Parameter(Value param, Storage storage) implements KernelArg {
        /** Validates. */
        public Parameter {
            Objects.requireNonNull(param, "param");
            Objects.requireNonNull(storage, "storage");
        }

        @Override
        public ArgKind kind() {
            return storage.kind;
        }
    }

    /** An absent optional array (C {@code NULL}, JVM {@code null}); fits the slots that {@link ArgKind#mayBeAbsent}. */
    record Absent() implements KernelArg {
        /** The one instance. */
        public static final Absent INSTANCE = new Absent();

        @Override
        public ArgKind kind() {
            throw new UnsupportedOperationException("an absent argument fits any slot that may be absent");
        }
    }

    /** The rounding of an int8 or int32 update. */
    enum UpdateRounding {
        /** Round half to even, saturate. */
        NEAREST_EVEN,
        /** Counter-based stochastic rounding. */
        STOCHASTIC,
        /** Keep a float32 master copy; round it into the int storage. */
        FLOAT_MASTER;

        /** The mode of an IR rounding attribute ({@code nearest_even}, {@code stochastic}, {@code float_master}). */
        public static UpdateRounding of(String irName) {
            return valueOf(irName.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** A rounding mode constant. */
    record Rounding(UpdateRounding mode) implements KernelArg {
        /** Validates. */
        public Rounding {
            Objects.requireNonNull(mode, "mode");
        }

        @Override
        public ArgKind kind() {
            return ArgKind.ROUNDING;
        }
    }

    /** An update's learning rate {@code lr} times the step's runtime scale, one float32 multiply. */
    record LearningRate(float lr) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.LEARNING_RATE;
        }
    }

    /** The stochastic-rounding key of parameter {@code paramId} at the current step. */
    record RngKey(int paramId) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.RNG_KEY;
        }
    }
}
