package dev.tinytrain.backend.jvm.kernels;

/**
 * How an updated parameter value {@code p' = fma(-lr, g_qas, p)} (float32) is stored back into the integer
 * parameter the forward uses. Chosen per compile; see {@link UpdateKernels} for the exact definitions.
 */
public enum RoundingMode {
    /**
     * Round half to even ({@code rint}), then saturate: int8 weights to [-127, 127], int32 biases to
     * [-2^31, 2^31-1]. The next step starts again from the stored integer.
     */
    NEAREST_EVEN,
    /**
     * {@code floor(p') + (u < p' - floor(p') ? 1 : 0)} with u in [0, 1) from {@link CounterRng}, then the
     * same saturation as {@link #NEAREST_EVEN}. Unbiased (up to 2^-24) in expectation.
     */
    STOCHASTIC,
    /**
     * Keep a float32 master copy of every trainable element and update it; the int8 weight used by the
     * forward is {@code rint(master)} saturated to [-127, 127]. The master itself is not clamped, so it can
     * come back into range. The authors' simulator does not clamp the rounded weight either (it would use
     * e.g. 128); tinytrain stores int8, so the two differ only once a master leaves [-127.5, 127.5].
     * Biases keep only the float master, which the forward adds unrounded (as the simulator does).
     */
    FLOAT_MASTER
}
