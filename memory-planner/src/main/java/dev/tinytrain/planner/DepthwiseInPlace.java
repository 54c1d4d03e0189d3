package dev.tinytrain.planner;

import dev.tinytrain.ir.ops.DepthwiseLead;

/**
 * How far a depthwise convolution's output must start before its input for the two to share bytes: the planner's
 * view of {@link DepthwiseLead}, which states the kernels' contract (outputs in NHWC order, each element's taps read
 * before it is written).
 */
public final class DepthwiseInPlace {

    private DepthwiseInPlace() {
    }

    /**
     * The smallest lead, in elements (= bytes, int8), of the output before the input that keeps every read of
     * the kernel ahead of its writes ({@link DepthwiseLead#minimumLead}).
     *
     * @throws IllegalArgumentException if a size is not positive or a padding negative
     */
    public static long minimumLead(int inH, int inW, int channels, int kH, int kW, int stride, int padTop,
                                   int padLeft, int outH, int outW) {
        return DepthwiseLead.minimumLead(inH, inW, channels, kH, kW, stride, padTop, padLeft, outH, outW);
    }
}
