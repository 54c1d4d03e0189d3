package dev.tinytrain.backend.jvm.kernels;

/**
 * Counter-based random numbers for stochastic rounding: a pure function of (seed, step, parameter id,
 * element index), so the JVM and C backends produce the same bits without carrying generator state, in
 * any loop order.
 *
 * <p>Specification (all arithmetic on unsigned 32-bit integers, wrapping; {@code >>>} is a logical shift;
 * Java {@code int} and C {@code uint32_t} give the same bits):
 * <pre>
 *   fmix32(h):  h ^= h &gt;&gt;&gt; 16; h *= 0x85EBCA6B; h ^= h &gt;&gt;&gt; 13; h *= 0xC2B2AE35; h ^= h &gt;&gt;&gt; 16; return h
 *   key(seed, step, paramId) = fmix32(fmix32(fmix32(seed ^ 0x9E3779B9) ^ step) ^ paramId)
 *   bits(key, index)         = fmix32(fmix32(key ^ index) + key)
 *   uniform(key, index)      = (float)(bits(key, index) &gt;&gt;&gt; 8) * 0x1p-24f      (exact; in [0, 1 - 2^-24])
 * </pre>
 * {@code fmix32} is the MurmurHash3 finalizer, a bijection on 32 bits; for a fixed key, {@code index ->
 * bits} is therefore a bijection too (no two elements of a tensor share a value in one step). The key is
 * computed once per (step, parameter) and the per-element cost is two {@code fmix32}. {@code step} is the
 * training-step counter (wrapping after 2^32 steps), {@code paramId} a stable id per trainable parameter
 * chosen by the compiler, and {@code index} the element's flat index in the parameter's own layout.
 */
public final class CounterRng {

    private CounterRng() {
    }

    /**
     * MurmurHash3 32-bit finalizer.
     *
     * @param h input
     * @return mixed bits
     */
    public static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * Per-(seed, step, parameter) stream key.
     *
     * @param seed    user seed
     * @param step    training-step counter
     * @param paramId parameter id
     * @return {@code fmix32(fmix32(fmix32(seed ^ 0x9E3779B9) ^ step) ^ paramId)}
     */
    public static int key(int seed, int step, int paramId) {
        return fmix32(fmix32(fmix32(seed ^ 0x9E3779B9) ^ step) ^ paramId);
    }

    /**
     * 32 random bits for one element.
     *
     * @param key   stream key from {@link #key}
     * @param index element index
     * @return {@code fmix32(fmix32(key ^ index) + key)}
     */
    public static int bits(int key, int index) {
        return fmix32(fmix32(key ^ index) + key);
    }

    /**
     * Uniform float in [0, 1) with 24 random bits.
     *
     * @param key   stream key
     * @param index element index
     * @return {@code (bits >>> 8) * 2^-24}
     */
    public static float uniform(int key, int index) {
        return (float) (bits(key, index) >>> 8) * 0x1p-24f;
    }
}
