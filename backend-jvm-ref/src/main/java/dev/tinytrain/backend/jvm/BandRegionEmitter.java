package dev.tinytrain.backend.jvm;

import dev.tinytrain.backend.jvm.fast.BandRegionKernel;
import dev.tinytrain.backend.jvm.fast.FastConv2d;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.band.BandProgram;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.ir.ops.Conv2d;
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
        BandRegionKernel.Add[] adds = new BandRegionKernel.Add[layers];
        for (int i = 0; i < layers; i++) {
            BandRegion.Layer l = region.layers().get(i);
            Value y = tensors.get(i + 1);
            if (l.op() instanceof Conv2d conv) {
                convs[i] = ForwardEmitters.lowerConv(c, conv, tensors.get(l.tensors().get(0)),
                        n.inputs().get(l.params().get(0)), n.inputs().get(l.params().get(1)), y);
            } else {
                Quantization a = quantization(tensors.get(l.tensors().get(0)));
                Quantization b = quantization(tensors.get(l.tensors().get(1)));
                Quantization q = quantization(y);
                adds[i] = new BandRegionKernel.Add(a.zeroPoint(), (float) a.scale(), b.zeroPoint(), (float) b.scale(),
                        q.zeroPoint(), (float) q.scale());
            }
        }
        c.constant(new BandRegionKernel(program, convs, adds));
        c.arena();
        c.offset(n.inputs().get(0));
        c.offset(n.outputs().get(0));
        c.offset(n.outputs().get(1));
        c.invoke(RUN);
    }

    private static Quantization quantization(Value v) {
        return v.type().requireQuantization(v.name());
    }
}
