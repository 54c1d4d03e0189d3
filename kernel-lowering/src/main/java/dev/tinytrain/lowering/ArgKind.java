package dev.tinytrain.lowering;

/**
 * What a kernel parameter receives: one slot of a {@link Kernel}'s signature. Each backend maps every kind to its
 * own parameter types (a C kind may take several C parameters, or none, where the two languages store a thing
 * differently), and each has a test that its kernels' declared parameters agree with the signatures.
 */
public enum ArgKind {
    /** The arena (C {@code int8_t *}, JVM {@code byte[]}). */
    ARENA,
    /** A tensor's byte offset in the arena. */
    OFFSET,
    /** A tensor's offset, or -1 where the kernel may skip it (a clamp mask that only training keeps). */
    OPTIONAL_OFFSET,
    /** An int32 constant (a shape, a zero point, a count, a quantized multiplier). */
    INT,
    /** A float32 constant, bit-exact. */
    FLOAT,
    /** A flag (C {@code int} 0 or 1, JVM {@code boolean}). */
    BOOL,
    /** A byte count ({@code size_t} in C). */
    BYTE_COUNT,
    /** A constant float32 table. */
    FLOAT_TABLE,
    /** A constant float32 table, or absent (QAS divisors of an update without QAS). */
    OPTIONAL_FLOAT_TABLE,
    /** A constant int32 table whose length the other arguments imply (per-channel multipliers, shifts). */
    INT32_TABLE,
    /** A constant int64 table whose length the other arguments imply. */
    INT64_TABLE,
    /**
     * A constant list of indices that may be empty: C passes the table and its length (NULL and 0 when empty), the
     * JVM the {@code int[]} (null when empty).
     */
    INDEX_LIST,
    /** A conv geometry ({@link KernelArg.ConvGeometry}). */
    CONV_GEOMETRY,
    /** An int8 weight parameter in its storage (C {@code tt_weight}, whole or split; JVM {@code byte[]}). */
    INT8_WEIGHT,
    /** A float32 parameter (the head's weight or bias). */
    FLOAT_PARAM,
    /** The int32 array of a bias parameter. */
    INT32_PARAM,
    /**
     * A conv's int32 bias as its forward reads it: C the int32 array and the float32 master, one of them NULL (the
     * master when the bias trains in {@code float_master} mode); the JVM its float32 values (for a trained bias the
     * view each update refreshes).
     */
    CONV_BIAS,
    /** The float32 master copy of a parameter, present only when its update rounds in {@code float_master} mode. */
    MASTER,
    /**
     * The float32 values of a trained int32 bias that the JVM forward adds (refreshed by each update); the C forward
     * reads the int32 array or the master directly, so this slot has no C parameter.
     */
    FORWARD_VIEW,
    /** The rounding mode of an int8 / int32 update. */
    ROUNDING,
    /** An update's learning rate at the current step (its constant times the runtime scale). */
    LEARNING_RATE,
    /** The stochastic-rounding key of one parameter at the current step. */
    RNG_KEY;

    /** Whether an argument of this kind may be {@link KernelArg.Absent} (a null pointer / null array). */
    public boolean mayBeAbsent() {
        return this == OPTIONAL_FLOAT_TABLE || this == MASTER;
    }
}
