package dev.tinytrain.backend.jvm.kernels;

/**
 * A 1x1 expansion conv and the depthwise conv that alone reads its output, fused in a band region
 * ({@code BandRegion.Expansion}): the expansion {@code inH x inW x inC -> inH x inW x channels} (stride 1, no
 * padding), then the depthwise conv {@code inH x inW x channels -> outH x outW x channels}. The constants of both
 * as {@link ForwardKernels#conv2d} takes them; {@link #referenceRows} is the reference of the fused kernels (the JVM's
 * {@code FastExpandDepthwise} and C's {@code tt_expand_depthwise_rows}), which must give its bytes.
 *
 * @param inH rows of the expansion's input (the whole tensor)
 * @param inW its columns
 * @param inC its channels
 * @param xZero its zero point
 * @param expWeight the expansion's weight {@code [channels][inC]}
 * @param expBias its bias (float32 view)
 * @param expEff its effective scales
 * @param midZero the expanded tensor's zero point (the expansion's output, the depthwise conv's input)
 * @param dwWeight the depthwise weight {@code [1][kH][kW][channels]}
 * @param kH kernel rows
 * @param kW kernel columns
 * @param stride stride
 * @param padTop padding rows above the expanded tensor
 * @param padLeft padding columns left of it
 * @param dwBias the depthwise bias (float32 view)
 * @param dwEff its effective scales
 * @param yZero the output's zero point
 * @param outH output rows (the whole tensor)
 * @param outW output columns
 * @param channels expanded channels
 */
public record ExpandDepthwise(int inH, int inW, int inC, int xZero, byte[] expWeight, float[] expBias, float[] expEff,
                              int midZero, byte[] dwWeight, int kH, int kW, int stride, int padTop, int padLeft,
                              float[] dwBias, float[] dwEff, int yZero, int outH, int outW, int channels) {

    /** Checks the sizes of the parameters. */
    public ExpandDepthwise {
        if (inH < 1 || inW < 1 || inC < 1 || channels < 1 || kH < 1 || kW < 1 || stride < 1 || outH < 1 || outW < 1
                || expWeight.length != channels * inC || expBias.length != channels || expEff.length != channels
                || dwWeight.length != kH * kW * channels || dwBias.length != channels || dwEff.length != channels) {
            throw new IllegalArgumentException("expand-depthwise: inconsistent geometry or parameter sizes (in "
                    + inH + "x" + inW + "x" + inC + ", " + channels + " channels, kernel " + kH + "x" + kW + ")");
        }
    }

    /**
     * The reference: the expansion on the window's {@code inRows} input rows at {@code inOff} (all channels, into a
     * heap buffer), then the depthwise conv on those expanded rows with {@code windowPadTop} padding rows above,
     * {@code outRows} output rows written at {@code outOff} -- {@link ForwardKernels#conv2d} twice, the layers run one
     * after the other on a row window as a band region runs them.
     */
    public void referenceRows(byte[] arena, int inOff, int inRows, int windowPadTop, int outOff, int outRows) {
        int inLen = inRows * inW * inC;
        int midLen = inRows * inW * channels;
        int outLen = outRows * outW * channels;
        byte[] work = new byte[inLen + midLen + outLen];
        System.arraycopy(arena, inOff, work, 0, inLen);
        ForwardKernels.conv2d(work, 0, inRows, inW, inC, xZero, expWeight, 1, 1, 1, 0, 0, 1, expBias, expEff, midZero,
                inLen, inRows, inW, channels, -1);
        ForwardKernels.conv2d(work, inLen, inRows, inW, channels, midZero, dwWeight, kH, kW, stride, windowPadTop,
                padLeft, channels, dwBias, dwEff, yZero, inLen + midLen, outRows, outW, channels, -1);
        System.arraycopy(work, inLen + midLen, arena, outOff, outLen);
    }
}
