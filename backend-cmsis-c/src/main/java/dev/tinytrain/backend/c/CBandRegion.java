package dev.tinytrain.backend.c;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.band.BandProgram;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.lowering.ConvArgs;
import dev.tinytrain.lowering.NodeLowering;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The C of a band region: its band program's {@link BandProgram#table() table} as a {@code static const} array
 * and one loop that walks it, each entry dispatched to its layer's kernel call (the call a whole-tensor node of the
 * layer would make, on the entry's row window; {@code tt_expand_depthwise_rows} for a depthwise layer with its
 * expansion fused in) or to a line buffer's {@code memmove}: the JVM's {@code BandRegionKernel}, entry for entry.
 */
final class CBandRegion {
    private CBandRegion() {
    }

    static void emit(CEmitContext c, Node n) {
        BandRegion region = (BandRegion) n.op();
        List<Value> tensors = region.tensorValues(n.name(), n.inputs());
        BandProgram p = region.program(n.name(), n.inputs());
        long in = Long.parseLong(c.off(n.inputs().get(0)));
        long out = Long.parseLong(c.off(n.outputs().get(0)));
        long ws = Long.parseLong(c.off(n.outputs().get(1)));
        List<Integer> table = new ArrayList<>();
        for (int v : p.table()) {
            table.add(v);
        }
        String t = c.ints(table);
        c.statement("{ /* " + p.steps().size() + " band steps of " + region.layers().size() + " layers, "
                + p.bandRows() + " output row(s) per band, line buffers " + p.workspaceBytes() + " B */");
        for (int i = 0; i < region.layers().size(); i++) {
            if (region.layers().get(i).expansion().isPresent()) {
                c.statement("    static const tt_expand_dw tt_fused" + i + " = " + fusedInitializer(c, n, region, i,
                        tensors) + ";");
            }
        }
        c.statement("    int32_t tt_k;");
        c.statement("    for (tt_k = 0; tt_k < " + table.size() + "; tt_k += " + BandProgram.TABLE_WIDTH + ") {");
        c.statement("        const int32_t *tt_e = &" + t + "[tt_k];");
        c.statement("        switch (tt_e[0] * " + (region.layers().size() + 1) + " + tt_e[1]) {");
        int stride = region.layers().size() + 1;
        for (int i = 0; i < region.layers().size(); i++) {
            BandRegion.Layer l = region.layers().get(i);
            String outBase = Long.toString(p.bufferBase(i + 1, in, out, ws));
            Value y = tensors.get(i + 1);
            if (l.expansion().isPresent()) {
                c.statement("        case " + (BandProgram.OP_CONV * stride + i) + ": /* " + l.expansion().get().name()
                        + " fused into " + l.name() + " */");
                c.call("tt_expand_depthwise_rows", c.arena(), "&tt_fused" + i,
                        p.bufferBase(l.tensors().get(0), in, out, ws) + " + tt_e[2]", "tt_e[3]", "tt_e[4]",
                        outBase + " + tt_e[5]", "tt_e[6]", Long.toString(ws + p.scratchOffsets()[i]),
                        Long.toString(ws + p.scratchOutOffsets()[i]));
            } else if (l.op() instanceof Conv2d conv) {
                c.statement("        case " + (BandProgram.OP_CONV * stride + i) + ": /* " + l.name() + " */");
                String inBase = Long.toString(p.bufferBase(l.tensors().get(0), in, out, ws));
                // the layer's call as a node would make it, on the entry's window: input offset and rows, padding
                // rows above, output offset and rows
                CKernelPrinter.print(c, NodeLowering.conv(tensors.get(l.tensors().get(0)), conv,
                        n.inputs().get(l.params().get(0)), n.inputs().get(l.params().get(1)), y), Map.of(
                        ConvArgs.IN_OFF, inBase + " + tt_e[2]", ConvArgs.IN_H, "tt_e[3]", ConvArgs.PAD_TOP, "tt_e[4]",
                        ConvArgs.OUT_OFF, outBase + " + tt_e[5]", ConvArgs.OUT_H, "tt_e[6]"));
            } else {
                c.statement("        case " + (BandProgram.OP_ELEMENTWISE * stride + i) + ": /* " + l.name() + " */");
                Value a = tensors.get(l.tensors().get(0));
                Value b = tensors.get(l.tensors().get(1));
                Quantization aq = a.type().requireQuantization(a.name());
                Quantization bq = b.type().requireQuantization(b.name());
                Quantization yq = y.type().requireQuantization(y.name());
                c.call("tt_quantized_add", c.arena(), p.bufferBase(l.tensors().get(0), in, out, ws) + " + tt_e[2]",
                        COpEmitters.i(aq.zeroPoint()), c.f((float) aq.scale()),
                        p.bufferBase(l.tensors().get(1), in, out, ws) + " + tt_e[3]", COpEmitters.i(bq.zeroPoint()),
                        c.f((float) bq.scale()), "tt_e[5]", COpEmitters.i(yq.zeroPoint()), c.f((float) yq.scale()),
                        outBase + " + tt_e[4]", "-1");
            }
            c.statement("            break;");
        }
        java.util.Set<Integer> shifted = new java.util.TreeSet<>();
        p.steps().forEach(s -> {
            if (s instanceof BandProgram.Shift sh) {
                shifted.add(sh.tensor());
            }
        });
        for (int tensor : shifted) {
            long base = p.bufferBase(tensor, in, out, ws);
            c.statement("        case " + (BandProgram.OP_SHIFT * stride + tensor) + ": /* line buffer of "
                    + tensors.get(tensor).name() + " */");
            c.call("memmove", c.arena() + " + " + base, c.arena() + " + " + base + " + tt_e[3]", "(size_t)tt_e[4]");
            c.statement("            break;");
        }
        c.statement("        default:");
        c.statement("            break;");
        c.statement("        }");
        c.statement("    }");
        c.statement("}");
    }

    /**
     * The {@code tt_expand_dw} initializer of band layer {@code i}, a depthwise conv with its expansion fused in:
     * both layers' frozen parameters, the depthwise weight regrouped per channel group
     * ({@code [group][k_h][k_w][n]}, as the JVM's {@code FastExpandDepthwise} slices it).
     */
    private static String fusedInitializer(CEmitContext c, Node n, BandRegion region, int i, List<Value> tensors) {
        BandRegion.FusedValues f = region.fusedValues(i, tensors, n.inputs());
        byte[] dwValues = c.constantWeight(f.dwWeight()).orElseThrow(() -> new IllegalStateException("band layer '"
                + region.layers().get(i).name() + "' has a trained depthwise weight %" + f.dwWeight().name()));
        if (c.splitWeight(f.expWeight()) || c.constantWeight(f.expWeight()).isEmpty()) {
            throw new IllegalStateException("fused expansion '" + f.expansion().name() + "' has a trained weight %"
                    + f.expWeight().name());
        }
        Quantization xq = f.input().type().requireQuantization(f.input().name());
        Quantization mq = f.expanded().type().requireQuantization(f.expanded().name());
        int inC = f.input().type().shape().dim(3);
        int channels = f.output().type().shape().dim(3);
        int kH = Conv2d.kernelHeight(f.dwWeight());
        int kW = Conv2d.kernelWidth(f.dwWeight());
        float[] expEff = Conv2d.effectiveScales(xq.scale(), f.expWeight().type().requireQuantization(
                f.expWeight().name()).scalesAsFloats(), f.expansion().op().output().scale());
        float[] dwEff = Conv2d.effectiveScales(mq.scale(), f.dwWeight().type().requireQuantization(
                f.dwWeight().name()).scalesAsFloats(), f.depthwise().output().scale());
        return "{" + String.join(", ", COpEmitters.i(f.input().type().shape().dim(2)), COpEmitters.i(inC),
                COpEmitters.i(xq.zeroPoint()), c.weight(f.expWeight()),
                CKernelPrinter.zeroPointTimesWeightSums(c, f.expWeight(), xq.zeroPoint(), inC),
                String.join(", ", c.biasArgs(f.expBias())),
                c.floats(expEff), COpEmitters.i(mq.zeroPoint()),
                c.int8s(regrouped(dwValues, kH * kW, channels, f.expansion().group())), COpEmitters.i(kH),
                COpEmitters.i(kW), COpEmitters.i(f.depthwise().stride()), COpEmitters.i(f.depthwise().padLeft()),
                String.join(", ", c.biasArgs(f.dwBias())), c.floats(dwEff),
                COpEmitters.i(f.depthwise().output().zeroPoint()),
                COpEmitters.i(f.output().type().shape().dim(2)), COpEmitters.i(channels),
                COpEmitters.i(f.expansion().group())) + "}";
    }

    /** A depthwise weight {@code [taps][channels]} regrouped per group of {@code group} channels. */
    static byte[] regrouped(byte[] w, int taps, int channels, int group) {
        byte[] out = new byte[w.length];
        int k = 0;
        for (int c0 = 0; c0 < channels; c0 += group) {
            int n = Math.min(group, channels - c0);
            for (int t = 0; t < taps; t++) {
                System.arraycopy(w, t * channels + c0, out, k, n);
                k += n;
            }
        }
        return out;
    }
}
