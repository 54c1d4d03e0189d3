package dev.tinytrain.backend.c;

import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.lowering.KernelArg;

/**
 * The C runtime's {@code tt_conv_geom} (the JVM kernels' {@code BackwardKernels.ConvGeom}): batch 1, NHWC, one
 * padding per dimension on both sides.
 */
record CGeom(int inH, int inW, int inC, int outH, int outW, int outC, int kH, int kW, int strideH, int strideW,
             int padH, int padW, int groups) {

    /**
     * The geometry of {@code conv} for an input {@code inH x inW x inC}, output {@code out}, weight {@code w}: the
     * same as the lowering's {@link KernelArg.ConvGeometry#of}.
     */
    static CGeom of(Conv2d conv, int inH, int inW, int inC, Shape out, Value w) {
        return of(KernelArg.ConvGeometry.of(conv, inH, inW, inC, out, w));
    }

    /** The C form of a lowered geometry, field for field. */
    static CGeom of(KernelArg.ConvGeometry g) {
        return new CGeom(g.inH(), g.inW(), g.inC(), g.outH(), g.outW(), g.outC(), g.kH(), g.kW(), g.strideH(),
                g.strideW(), g.padH(), g.padW(), g.groups());
    }

    /** True for a depthwise geometry ({@code groups == inC == outC}), whose weight is {@code [1][KH][KW][C]}. */
    boolean depthwise() {
        return groups == inC && groups == outC;
    }

    /** True for a dense 1x1 conv without padding (the geometry of the fast 1x1 kernels). */
    boolean dense1x1() {
        return kH == 1 && kW == 1 && groups == 1 && padH == 0 && padW == 0;
    }

    /** The C initializer, field order of {@code tt_conv_geom}. */
    String initializer() {
        return "{" + inH + ", " + inW + ", " + inC + ", " + outH + ", " + outW + ", " + outC + ", " + kH + ", " + kW
                + ", " + strideH + ", " + strideW + ", " + padH + ", " + padW + ", " + groups + "}";
    }

    /** True when the weight {@code w} uses the depthwise layout. */
    static boolean depthwiseLayout(Value w) {
        return w.type().layout() == Layout.DEPTHWISE;
    }
}
