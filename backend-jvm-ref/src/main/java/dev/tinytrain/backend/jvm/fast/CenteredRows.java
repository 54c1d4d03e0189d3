package dev.tinytrain.backend.jvm.fast;

import dev.tinytrain.ir.band.BandLayer;
import dev.tinytrain.ir.band.BandProgram;
import java.util.Arrays;

/**
 * A band region's tensors as float rows of centered values ({@code x - zeroPoint}, exact small integers): the
 * region's input converted once per run, each line buffer an array of row arrays (its capacity in rows), and the
 * output's rows staged and stored as bytes as soon as a step writes them. The band program's table is walked with
 * its byte offsets turned into row indices; a line buffer's shift moves row references instead of bytes. A
 * depthwise layer that the program runs in place over its input's line buffer here writes its own row arrays, which
 * is safe because the program never lets such a row overwrite an input row that is still read.
 */
final class CenteredRows {
    private final int n;
    private final FastConv2d[] convs;
    private final BandRegionKernel.Add[] adds;
    private final int[] convInput;
    private final int[][] addInputs;
    /** The table with row indices and row counts in place of byte offsets and byte counts. */
    private final int[] table;
    /** Per tensor its rows: 0 the whole input, 1 .. n - 1 the line buffers, n the output's staging rows. */
    private final float[][][] buffers;
    private final int[] zeroPoint;
    private final int[] rowLength;
    /** Room for one line buffer's row references while {@link #shift} reorders them (stale in between). */
    private final float[][] spare;

    CenteredRows(BandProgram program, FastConv2d[] convs, BandRegionKernel.Add[] adds) {
        n = program.layers().size();
        this.convs = convs;
        this.adds = adds;
        convInput = new int[n];
        addInputs = new int[n][];
        rowLength = new int[n + 1];
        zeroPoint = new int[n + 1];
        Arrays.fill(zeroPoint, Integer.MIN_VALUE);
        for (int t = 0; t <= n; t++) {
            rowLength[t] = program.rowBytes(t);
        }
        for (int i = 0; i < n; i++) {
            BandLayer l = program.layers().get(i);
            if (convs[i] != null) {
                convInput[i] = l.inputs().get(0);
                zero(convInput[i], convs[i].xZero());
                zero(i + 1, convs[i].yZero());
            } else {
                addInputs[i] = new int[] {l.inputs().get(0), l.inputs().get(1)};
                zero(addInputs[i][0], adds[i].aZero());
                zero(addInputs[i][1], adds[i].bZero());
                zero(i + 1, adds[i].yZero());
            }
        }
        int[] bytes = program.table();
        table = new int[bytes.length];
        int staging = 1;
        for (int k = 0; k < bytes.length; k += BandProgram.TABLE_WIDTH) {
            int layer = bytes[k + 1];
            table[k] = bytes[k];
            table[k + 1] = layer;
            switch (bytes[k]) {
                case BandProgram.OP_CONV -> {
                    table[k + 2] = rows(bytes[k + 2], convInput[layer]);
                    table[k + 3] = bytes[k + 3];
                    table[k + 4] = bytes[k + 4];
                    table[k + 5] = rows(bytes[k + 5], layer + 1);
                    table[k + 6] = bytes[k + 6];
                    if (layer + 1 == n) {
                        staging = Math.max(staging, bytes[k + 6]);
                    }
                }
                case BandProgram.OP_ELEMENTWISE -> {
                    table[k + 2] = rows(bytes[k + 2], addInputs[layer][0]);
                    table[k + 3] = rows(bytes[k + 3], addInputs[layer][1]);
                    table[k + 4] = rows(bytes[k + 4], layer + 1);
                    table[k + 5] = rows(bytes[k + 5], layer + 1);
                    if (layer + 1 == n) {
                        staging = Math.max(staging, table[k + 5]);
                    }
                }
                default -> {
                    table[k + 3] = rows(bytes[k + 3], layer);
                    table[k + 4] = rows(bytes[k + 4], layer);
                }
            }
        }
        buffers = new float[n + 1][][];
        buffers[0] = new float[program.inHeight()][rowLength[0]];
        for (int t = 1; t < n; t++) {
            buffers[t] = new float[program.capacityRows()[t]][rowLength[t]];
        }
        buffers[n] = new float[staging][rowLength[n]];
        int capacity = 0;
        for (int t = 1; t < n; t++) {
            capacity = Math.max(capacity, buffers[t].length);
        }
        spare = new float[capacity][];
    }

    private void zero(int tensor, int z) {
        if (zeroPoint[tensor] != Integer.MIN_VALUE && zeroPoint[tensor] != z) {
            throw new IllegalArgumentException("band tensor " + tensor + " has zero points " + zeroPoint[tensor]
                    + " and " + z);
        }
        zeroPoint[tensor] = z;
    }

    private int rows(int bytes, int tensor) {
        if (bytes % rowLength[tensor] != 0) {
            throw new IllegalArgumentException("band table offset " + bytes + " is not whole rows of tensor " + tensor);
        }
        return bytes / rowLength[tensor];
    }

    /** Runs the region: the input at {@code inOff} in the arena, the output written at {@code outOff}. */
    void run(byte[] arena, int inOff, int outOff) {
        final float[][] input = buffers[0];
        final int z0 = zeroPoint[0];
        for (int r = 0, at = inOff; r < input.length; r++) {
            final float[] row = input[r];
            for (int k = 0; k < row.length; k++, at++) {
                row[k] = arena[at] - z0;
            }
        }
        final int[] t = table;
        for (int k = 0; k < t.length; k += BandProgram.TABLE_WIDTH) {
            final int layer = t[k + 1];
            switch (t[k]) {
                case BandProgram.OP_CONV -> {
                    boolean last = layer + 1 == n;
                    convs[layer].runCenteredRows(buffers[convInput[layer]], t[k + 2], t[k + 3], t[k + 4],
                            buffers[layer + 1], last ? 0 : t[k + 5], t[k + 6]);
                    if (last) {
                        store(arena, outOff, t[k + 5], t[k + 6]);
                    }
                }
                case BandProgram.OP_ELEMENTWISE -> {
                    boolean last = layer + 1 == n;
                    final float[][] a = buffers[addInputs[layer][0]];
                    final float[][] b = buffers[addInputs[layer][1]];
                    final float[][] y = buffers[layer + 1];
                    for (int r = 0; r < t[k + 5]; r++) {
                        adds[layer].centered(a[t[k + 2] + r], b[t[k + 3] + r], y[(last ? 0 : t[k + 4]) + r],
                                rowLength[layer + 1]);
                    }
                    if (last) {
                        store(arena, outOff, t[k + 4], t[k + 5]);
                    }
                }
                default -> shift(buffers[layer], t[k + 3], t[k + 4]);
            }
        }
    }

    /** Stores the staged output rows {@code [0, rows)} as the output's rows {@code from ..} in the arena. */
    private void store(byte[] arena, int outOff, int from, int rows) {
        final int z = zeroPoint[n];
        final int length = rowLength[n];
        for (int r = 0; r < rows; r++) {
            final float[] row = buffers[n][r];
            final int at = outOff + (from + r) * length;
            for (int k = 0; k < length; k++) {
                arena[at + k] = (byte) ((int) row[k] + z);
            }
        }
    }

    /**
     * Moves rows {@code [from, from + count)} of a line buffer to its start: their arrays, not their values (the
     * rows before them go after them, in the free rows).
     */
    private void shift(float[][] buffer, int from, int count) {
        float[][] moved = spare;
        System.arraycopy(buffer, from, moved, 0, count);
        int next = count;
        for (int r = 0; r < buffer.length; r++) {
            if (r < from || r >= from + count) {
                moved[next++] = buffer[r];
            }
        }
        System.arraycopy(moved, 0, buffer, 0, buffer.length);
    }
}
