package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.BandRegionKernel;
import dev.tinytrain.backend.jvm.fast.FastConv2d;
import dev.tinytrain.backend.jvm.fast.FastExpandDepthwise;
import dev.tinytrain.backend.jvm.kernels.ExpandDepthwise;
import dev.tinytrain.backend.jvm.kernels.Requant;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.band.BandProgram;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.lowering.Kernel;
import dev.tinytrain.lowering.NodeLowering;
import java.lang.reflect.Method;
import java.util.List;

/** The emitter of a band region: one {@link BandRegionKernel} lowered with its layers and one call of its run. */
final class BandRegionEmitter {
    private static final Method RUN = KernelMethods.of(BandRegionKernel.class, "run");

    private BandRegionEmitter() {
    }

    static void bandRegion(EmitContext c, Node n) {
        BandRegion region = (BandRegion) n.op();
        List<Value> tensors = region.tensorValues(n.name(), n.inputs());
        BandProgram program = region.program(n.name(), n.inputs());
        int layers = region.layers().size();
        FastConv2d[] convs = new FastConv2d[layers];
        FastExpandDepthwise[] fused = new FastExpandDepthwise[layers];
        BandRegionKernel.Add[] adds = new BandRegionKernel.Add[layers];
        for (int i = 0; i < layers; i++) {
            BandRegion.Layer l = region.layers().get(i);
            Value y = tensors.get(i + 1);
            if (l.expansion().isPresent()) {
                fused[i] = new FastExpandDepthwise(expandDepthwise(c, n, region, i, tensors),
                        l.expansion().get().group(), c.scratch());
            } else if (l.op() instanceof Conv2d conv) {
                Value w = n.inputs().get(l.params().get(0));
                Value b = n.inputs().get(l.params().get(1));
                if (JvmKernels.updatedInPlace(c, w) || JvmKernels.updatedInPlace(c, b)) {
                    // the region's kernels read its constants once (FastConv2d.runsCenteredRows)
                    throw new IllegalStateException("band region " + n.name() + ": layer " + i + " has a parameter"
                            + " that a step updates; a band region holds frozen layers only");
                }
                // the layer's call as a node would make it, bound into the FastConv2d the region runs on its windows
                convs[i] = (FastConv2d) JvmKernelPrinter.bind(c, NodeLowering.conv(tensors.get(l.tensors().get(0)),
                        conv, w, b, y), JvmKernels.binding(Kernel.CONV2D).orElseThrow());
            } else {
                Quantization a = quantization(tensors.get(l.tensors().get(0)));
                Quantization b = quantization(tensors.get(l.tensors().get(1)));
                Quantization q = quantization(y);
                adds[i] = new BandRegionKernel.Add(a.zeroPoint(), (float) a.scale(), b.zeroPoint(), (float) b.scale(),
                        q.zeroPoint(), (float) q.scale());
            }
        }
        c.constant(new BandRegionKernel(program, convs, fused, adds));
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.outputs().get(0));
        c.offset(n.outputs().get(1));
        c.invoke(RUN);
    }

    /** The constants of band layer {@code i} of {@code n}, a depthwise conv with its expansion fused in. */
    static ExpandDepthwise expandDepthwise(EmitContext c, Node n, BandRegion region, int i, List<Value> tensors) {
        BandRegion.FusedValues f = region.fusedValues(i, tensors, n.inputs());
        Quantization xq = quantization(f.input());
        Quantization mq = quantization(f.expanded());
        Shape xs = f.input().type().shape();
        Shape ys = f.output().type().shape();
        Conv2d dw = f.depthwise();
        return new ExpandDepthwise(xs.dim(1), xs.dim(2), xs.dim(3), xq.zeroPoint(),
                (byte[]) c.parameterArray(f.expWeight()), (float[]) c.parameterArray(f.expBias()),
                Requant.effectiveScales(xq.scale(), quantization(f.expWeight()).scalesAsFloats(),
                        f.expansion().op().output().scale()), mq.zeroPoint(), (byte[]) c.parameterArray(f.dwWeight()),
                Conv2d.kernelHeight(f.dwWeight()), Conv2d.kernelWidth(f.dwWeight()), dw.stride(), dw.padTop(),
                dw.padLeft(), (float[]) c.parameterArray(f.dwBias()),
                Requant.effectiveScales(mq.scale(), quantization(f.dwWeight()).scalesAsFloats(),
                        dw.output().scale()), dw.output().zeroPoint(), ys.dim(1), ys.dim(2), ys.dim(3));
    }

    private static Quantization quantization(Value v) {
        return v.type().requireQuantization(v.name());
    }
}
