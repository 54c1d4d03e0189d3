package dev.tinytrain.ir;

/**
 * Memory layout of a tensor. The CMSIS-NN conventions are used throughout, so emitted code never
 * transposes at run time.
 */
public enum Layout {
    /** Activations: batch, height, width, channels (channels fastest). */
    NHWC,
    /** Dense and grouped conv weights: out channels, kernel height, kernel width, in channels per group. */
    OHWI,
    /** Depthwise conv weights {@code [1, KH, KW, C]}. */
    DEPTHWISE,
    /** Plain row-major data (vectors, matrices of the float head, scalars). */
    ROW_MAJOR;

    /** Lower-case name used in printed IR and JSON. */
    public String irName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@link #irName()}. */
    public static Layout fromIrName(String name) {
        for (Layout l : values()) {
            if (l.irName().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown layout '" + name + "'");
    }
}
