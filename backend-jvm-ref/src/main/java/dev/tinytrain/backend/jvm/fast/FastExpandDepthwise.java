package dev.tinytrain.backend.jvm.fast;

import dev.tinytrain.backend.jvm.kernels.ExpandDepthwise;
import java.util.Arrays;

/**
 * A fused expansion and depthwise conv of a band region ({@link ExpandDepthwise}), lowered once: per group of
 * {@code group} expanded channels a {@link FastConv2d} of the expansion's rows of those channels and one of the
 * depthwise conv of those channels (weights sliced and regrouped here). A call computes, group by group, the
 * window's expanded rows of the group into the input-row scratch, the group's depthwise output rows into the
 * output-row scratch, and scatters them into the output rows' channels: the bytes of
 * {@link ExpandDepthwise#referenceRows}, with only {@code rows x inW x group} expanded bytes alive at a time. Both
 * scratches are in the arena (the band region's workspace), as in C's {@code tt_expand_depthwise_rows}.
 */
public final class FastExpandDepthwise {
    private final ExpandDepthwise spec;
    private final int group;
    private final FastConv2d[] expansions;
    private final FastConv2d[] depthwise;

    /**
     * Lowers the fused layers.
     *
     * @param spec the layers (their weights do not change)
     * @param group expanded channels per pass (the last group may be narrower)
     */
    public FastExpandDepthwise(ExpandDepthwise spec, int group, Scratch scratch) {
        if (group < 1) {
            throw new IllegalArgumentException("expand-depthwise group must be >= 1, got " + group);
        }
        this.spec = spec;
        this.group = group;
        int groups = (spec.channels() + group - 1) / group;
        expansions = new FastConv2d[groups];
        depthwise = new FastConv2d[groups];
        int taps = spec.kH() * spec.kW();
        for (int g = 0; g < groups; g++) {
            int c0 = g * group;
            int n = Math.min(group, spec.channels() - c0);
            byte[] dw = new byte[taps * n];
            for (int t = 0; t < taps; t++) {
                System.arraycopy(spec.dwWeight(), t * spec.channels() + c0, dw, t * n, n);
            }
            expansions[g] = new FastConv2d(spec.inH(), spec.inW(), spec.inC(), spec.xZero(),
                    Arrays.copyOfRange(spec.expWeight(), c0 * spec.inC(), (c0 + n) * spec.inC()), 1, 1, 1, 0, 0, 1,
                    Arrays.copyOfRange(spec.expBias(), c0, c0 + n), Arrays.copyOfRange(spec.expEff(), c0, c0 + n),
                    spec.midZero(), spec.inH(), spec.inW(), n, true, scratch);
            depthwise[g] = new FastConv2d(spec.inH(), spec.inW(), n, spec.midZero(), dw, spec.kH(), spec.kW(),
                    spec.stride(), spec.padTop(), spec.padLeft(), n, Arrays.copyOfRange(spec.dwBias(), c0, c0 + n),
                    Arrays.copyOfRange(spec.dwEff(), c0, c0 + n), spec.yZero(), spec.outH(), spec.outW(), n, true,
                    scratch);
        }
    }

    /** Bytes of input-row scratch a call on {@code inRows} rows needs ({@code inRows x inW x group}). */
    public int scratchInBytes(int inRows) {
        return inRows * spec.inW() * group;
    }

    /**
     * Runs the fused layers on a row window (a band region's step): {@code inRows} rows of the expansion's input at
     * {@code inOff} seen with {@code windowPadTop} padding rows above (padding of the expanded tensor), {@code outRows}
     * output rows written at {@code outOff}; the input-row scratch at {@code scratchOff} ({@link #scratchInBytes}),
     * the output-row scratch at {@code scratchOutOff} ({@code outRows x outW x group} bytes).
     */
    public void runRows(byte[] arena, int inOff, int inRows, int windowPadTop, int outOff, int outRows,
                        int scratchOff, int scratchOutOff) {
        int c = spec.channels();
        int positions = outRows * spec.outW();
        for (int g = 0; g < expansions.length; g++) {
            int c0 = g * group;
            int n = Math.min(group, c - c0);
            expansions[g].runRows(arena, inOff, inRows, 0, scratchOff, inRows);
            depthwise[g].runRows(arena, scratchOff, inRows, windowPadTop, scratchOutOff, outRows);
            for (int p = 0; p < positions; p++) {
                System.arraycopy(arena, scratchOutOff + p * n, arena, outOff + p * c + c0, n);
            }
        }
    }
}
