package dev.tinytrain.backend.jvm.fast;

/**
 * Scratch arrays shared by the fast kernels of one generated program: its kernels run one after another on one
 * thread, so each numbered slot serves every node (sized, at lowering, for the largest) instead of every node
 * keeping arrays of its own. A kernel fetches its slots at the start of each run and uses only the sizes it
 * reserved: an array may be longer, or hold more rows, than it asked for.
 */
public final class Scratch {
    /** Number of flat slots and of row slots. */
    static final int SLOTS = 8;

    private final float[][] flats = new float[SLOTS][0];
    private final float[][][] rows = new float[SLOTS][0][0];

    /** A float array of at least {@code n} elements in flat slot {@code slot} (grown, contents lost, if needed). */
    public float[] floats(int slot, int n) {
        if (flats[slot].length < n) {
            flats[slot] = new float[n];
        }
        return flats[slot];
    }

    /**
     * At least {@code count} separate rows of at least {@code n} floats each in row slot {@code slot} (separate
     * arrays, so a vectorized loop can index each one from 0; grown, contents lost, if needed).
     */
    public float[][] rows(int slot, int count, int n) {
        float[][] r = rows[slot];
        int length = r.length == 0 ? 0 : r[0].length;
        if (r.length < count || length < n) {
            r = new float[Math.max(count, r.length)][Math.max(n, length)];
            rows[slot] = r;
        }
        return r;
    }
}
