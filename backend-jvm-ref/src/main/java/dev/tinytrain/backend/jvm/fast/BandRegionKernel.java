package dev.tinytrain.backend.jvm.fast;

import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.ir.band.BandProgram;

/**
 * One band region of a generated JVM program, lowered once: its convs (each a {@link FastConv2d} of the layer's
 * whole geometry, run on row windows, or a {@link FastExpandDepthwise} for a depthwise conv with its expansion fused
 * in), its adds' quantization, and the band program's {@link BandProgram#table() table}, which {@link #run} walks.
 * The bytes are those of running the layers one after another on whole tensors.
 *
 * <p>When every conv runs on centered rows ({@link FastConv2d#runsCenteredRows}), no layer is fused and every add's
 * scales keep its requantization from NaN, the line buffers are kept as float rows ({@link CenteredRows}): each
 * intermediate value is converted from its int8 form never, the region's input once per run and its output once,
 * where the byte path converts every layer's window to float and every output to bytes at each step. The table is
 * the same; its byte offsets become row indices. Otherwise the layers run on the line buffers in the arena.
 */
public final class BandRegionKernel {
    /** One residual add: its operands' and result's quantization (float32 scales). */
    public record Add(int aZero, float aScale, int bZero, float bScale, int yZero, float yScale) {
        /**
         * Whether {@link #centered} never meets a NaN: with finite scales of at most {@code 2^100} and a nonzero
         * result scale, {@code ((a - aZero) aScale + (b - bZero) bScale) / yScale} is finite or infinite.
         */
        boolean centeredSafe() {
            return Math.abs(aScale) <= FastConv2d.CENTERED_BOUND && Math.abs(bScale) <= FastConv2d.CENTERED_BOUND
                    && Float.isFinite(yScale) && yScale != 0f;
        }

        /**
         * The add on {@code n} centered values ({@code a - aZero}, {@code b - bZero}), writing {@code y - yZero}:
         * the float operations of {@link ForwardKernels#quantizedAdd} in its order, then its rounding and clamp.
         */
        void centered(float[] a, float[] b, float[] y, int n) {
            final float as = aScale, bs = bScale, ys = yScale;
            final float lo = -128 - yZero, hi = 127 - yZero;
            for (int k = 0; k < n; k++) {
                y[k] = Math.max(lo, Math.min(hi, Int8Rows.roundSaturating((a[k] * as + b[k] * bs) / ys)));
            }
        }
    }

    private final BandProgram program;
    private final FastConv2d[] convs;
    private final FastExpandDepthwise[] fused;
    private final Add[] adds;
    private final int[] table;
    private final int[] convInput;
    /** The float line buffers, or null when the layers run on the arena's line buffers. */
    private final CenteredRows rows;

    /**
     * Lowers a region.
     *
     * @param program the band program
     * @param convs per layer its conv (null for an add or a fused layer)
     * @param fused per layer its fused expansion and depthwise conv (null for others)
     * @param adds per layer its add (null for a conv)
     */
    public BandRegionKernel(BandProgram program, FastConv2d[] convs, FastExpandDepthwise[] fused, Add[] adds) {
        int n = program.layers().size();
        if (convs.length != n || fused.length != n || adds.length != n) {
            throw new IllegalArgumentException("band region of " + n + " layers got " + convs.length + " convs, "
                    + fused.length + " fused layers and " + adds.length + " adds");
        }
        this.program = program;
        this.convs = convs.clone();
        this.fused = fused.clone();
        this.adds = adds.clone();
        this.table = program.table();
        this.convInput = new int[n];
        boolean centered = true;
        for (int i = 0; i < n; i++) {
            convInput[i] = program.layers().get(i).inputs().get(0);
            int kernels = (convs[i] == null ? 0 : 1) + (fused[i] == null ? 0 : 1) + (adds[i] == null ? 0 : 1);
            if (kernels != 1 || (fused[i] != null) != (program.scratchOffsets()[i] >= 0)) {
                throw new IllegalArgumentException("band layer " + i + " needs exactly one of a conv, a fused layer"
                        + " (exactly when it has scratch) and an add");
            }
            centered &= convs[i] != null ? convs[i].runsCenteredRows() : adds[i] != null && adds[i].centeredSafe();
        }
        this.rows = centered ? new CenteredRows(program, this.convs, this.adds) : null;
    }

    /** Whether the line buffers are float rows (see the class comment); else they are the arena's bytes. */
    public boolean centeredRows() {
        return rows != null;
    }

    /** Runs the region: input at {@code inOff}, output at {@code outOff}, line buffers in the workspace at {@code wsOff}. */
    public void run(byte[] arena, int inOff, int outOff, int wsOff) {
        if (rows != null) {
            rows.run(arena, inOff, outOff);
            return;
        }
        int[] t = table;
        for (int k = 0; k < t.length; k += BandProgram.TABLE_WIDTH) {
            int layer = t[k + 1];
            switch (t[k]) {
                case BandProgram.OP_CONV -> {
                    int in = base(convInput[layer], inOff, outOff, wsOff) + t[k + 2];
                    int out = base(layer + 1, inOff, outOff, wsOff) + t[k + 5];
                    if (fused[layer] != null) {
                        fused[layer].runRows(arena, in, t[k + 3], t[k + 4], out, t[k + 6],
                                wsOff + (int) program.scratchOffsets()[layer],
                                wsOff + (int) program.scratchOutOffsets()[layer]);
                    } else {
                        convs[layer].runRows(arena, in, t[k + 3], t[k + 4], out, t[k + 6]);
                    }
                }
                case BandProgram.OP_ELEMENTWISE -> {
                    Add a = adds[layer];
                    var in = program.layers().get(layer).inputs();
                    ForwardKernels.quantizedAdd(arena, base(in.get(0), inOff, outOff, wsOff) + t[k + 2], a.aZero(),
                            a.aScale(), base(in.get(1), inOff, outOff, wsOff) + t[k + 3], a.bZero(), a.bScale(),
                            t[k + 5], a.yZero(), a.yScale(), base(layer + 1, inOff, outOff, wsOff) + t[k + 4], -1);
                }
                default -> {
                    int b = base(layer, inOff, outOff, wsOff);
                    System.arraycopy(arena, b + t[k + 3], arena, b, t[k + 4]);
                }
            }
        }
    }

    private int base(int tensor, int inOff, int outOff, int wsOff) {
        return (int) program.bufferBase(tensor, inOff, outOff, wsOff);
    }
}
