package dev.tinytrain.backend.c;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.ir.ops.StreamedBackward;
import dev.tinytrain.ir.ops.StreamedBackward.Operands;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The C emitter of a channel-streamed backward region: its constants as block-scope {@code static const}
 * {@code tt_stream_update} and {@code tt_stream_region} structs (the JVM's {@code StreamedKernels.Update} and
 * {@code Region}, field for field), then one {@code tt_streamed_backward} call with each update's rate and key at
 * this step, as the JVM's {@code StreamedEmitter} calls {@code StreamedKernels.streamedBackward}.
 */
final class CStreamedEmitter {
    private CStreamedEmitter() {
    }

    static void streamedBackward(CEmitContext c, Node n) {
        StreamedBackward op = (StreamedBackward) n.op();
        Operands at = op.operands();
        List<Value> in = n.inputs();
        Value g = in.get(Operands.GRADIENT);
        Value dwWeight = in.get(Operands.DEPTHWISE_WEIGHT);
        Shape gs = g.type().shape();
        int ch = dwWeight.type().shape().dim(3);
        CGeom dw = CGeom.of(op.depthwise(), op.inHeight(), op.inWidth(), ch, Shape.of(1, gs.dim(1), gs.dim(2), ch),
                dwWeight);
        String zeroGeom = "{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}";
        String expGeom = zeroGeom;
        if (op.deep()) {
            int cin = in.get(at.expansionWeight()).type().shape().dim(3);
            expGeom = new CGeom(op.inHeight(), op.inWidth(), cin, op.inHeight(), op.inWidth(), ch, 1, 1, 1, 1, 0, 0, 1)
                    .initializer();
        }
        c.statement("{ /* " + n.name() + ": channel by channel of the expanded tensor */");
        String dwBias = update(c, "dw_bias", op.depthwiseBias(), at.depthwiseBias() < 0 ? null
                : in.get(at.depthwiseBias()), true);
        String dwW = update(c, "dw_weight", op.depthwiseWeight(), dwWeight, false);
        String eBias = update(c, "exp_bias", op.expansionBias(), at.expansionBias() < 0 ? null
                : in.get(at.expansionBias()), true);
        String eW = update(c, "exp_weight", op.expansionWeight(), op.deep() ? in.get(at.expansionWeight()) : null,
                false);
        List<String> fields = new ArrayList<>(List.of(Integer.toString(gs.dim(3)), c.off(g),
                c.weight(in.get(Operands.PROJECTION_WEIGHT)), dw.initializer(), c.off(in.get(Operands.DEPTHWISE_MASK)),
                c.floats(op.depthwiseEffArray()), c.weight(dwWeight), dwBias, dwW,
                offset(c, in, at.depthwiseInput()), zero(in, at.depthwiseInput()), op.deep() ? "1" : "0", expGeom,
                offset(c, in, at.expansionMask()), op.deep() ? c.floats(op.expansionEffArray()) : "0",
                op.deep() ? c.weight(in.get(at.expansionWeight())) : "0", eBias, eW,
                offset(c, in, at.expansionInput()), zero(in, at.expansionInput()),
                op.inputGradient() ? c.off(n.outputs().get(op.inputGradientResult())) : "-1",
                c.off(n.outputs().get(0)),
                op.deep() ? c.off(n.outputs().get(op.depthwiseInputPlaneResult())) : "-1",
                c.off(n.outputs().get(op.vectorResult())), Integer.toString(op.group())));
        c.statement("    static const tt_stream_region region = {" + String.join(", ", fields) + "};");
        List<String> args = new ArrayList<>(List.of(c.arena(), "&region"));
        for (Optional<SgdUpdate> u : List.of(op.depthwiseBias(), op.depthwiseWeight(), op.expansionBias(),
                op.expansionWeight())) {
            args.add(u.isPresent() ? c.lr(u.get()) : "0.0f");
            args.add(u.isPresent() ? c.rngKey(u.get()) : "0u");
        }
        c.call("    tt_streamed_backward", args.toArray(String[]::new));
        c.statement("}");
    }

    /** Declares the update's struct and returns its address, or "0" when the part does not train. */
    private static String update(CEmitContext c, String name, Optional<SgdUpdate> u, Value p, boolean bias) {
        if (u.isEmpty()) {
            return "0";
        }
        SgdUpdate r = u.get();
        List<Integer> channels = bias ? List.of() : r.channels();
        c.statement("    static const tt_stream_update " + name + " = {" + String.join(", ",
                bias ? c.int32Param(p) : "0", c.master(p, r), r.qasDivisors().isEmpty() ? "0" : c.floats(r.qasArray()),
                c.ints(channels), Integer.toString(channels.size()), c.mode(r)) + "};");
        return "&" + name;
    }

    private static String offset(CEmitContext c, List<Value> in, int at) {
        return at < 0 ? "-1" : c.off(in.get(at));
    }

    private static String zero(List<Value> in, int at) {
        return Integer.toString(StreamedBackward.zeroPoint(in, at));
    }
}
