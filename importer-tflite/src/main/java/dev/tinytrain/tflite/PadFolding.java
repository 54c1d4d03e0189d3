package dev.tinytrain.tflite;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Op;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.ops.TflitePad;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds a {@code PAD} whose only reader is a conv (dense or depthwise) into the conv's own padding. Bit-identical:
 * TFLite's int8 pad writes the input's zero point, and a conv accumulates {@code w * (x - x_zero)}, so a padded
 * element contributes exactly 0, as a padding tap the conv skips does. The graph then holds no padded copy of the
 * activation (MCUNet's stride-2 depthwise convs read 64x64x32 tensors through one): a smaller arena, and no pad in
 * the backward.
 */
final class PadFolding {
    private PadFolding() {
    }

    /**
     * The graph with every foldable pad folded; {@code taps} loses the folded pads' outputs and maps the rest to the
     * new graph's values.
     */
    static Graph fold(Graph g, Map<String, Value> taps) {
        Map<String, Node> foldable = new HashMap<>(); // pad output name -> pad node
        for (Node n : g.nodes()) {
            if (n.op() instanceof TflitePad && !g.outputs().contains(n.output())) {
                List<Node> users = g.users(n.output());
                if (users.size() == 1 && users.get(0).op() instanceof TfliteConv2d c && !c.fullyConnected()
                        && users.get(0).inputs().indexOf(n.output()) == 0
                        && users.get(0).inputs().lastIndexOf(n.output()) == 0) {
                    foldable.put(n.output().name(), n);
                }
            }
        }
        if (foldable.isEmpty()) {
            return g;
        }
        GraphBuilder b = new GraphBuilder(g.name());
        Map<String, Value> values = new HashMap<>();
        for (Value in : g.inputs()) {
            values.put(in.name(), b.input(in.name(), in.type()));
        }
        for (Parameter p : g.parameters()) {
            values.put(p.name(), b.parameter(p.name(), p.value().type(), p.data(), p.trainability()));
        }
        for (Node n : g.nodes()) {
            if (foldable.containsKey(n.output().name())) {
                continue;
            }
            Op op = n.op();
            List<Value> operands = n.inputs();
            Node pad = op instanceof TfliteConv2d ? foldable.get(operands.get(0).name()) : null;
            if (pad != null) {
                TfliteConv2d c = (TfliteConv2d) op;
                TflitePad p = (TflitePad) pad.op();
                op = new TfliteConv2d(c.strideH(), c.strideW(), c.padTop() + p.top(), c.padLeft() + p.left(),
                        c.padBottom() + p.bottom(), c.padRight() + p.right(), c.groups(), c.output(), c.actMin(),
                        c.actMax(), c.fullyConnected(), c.saveMask());
                operands = List.of(pad.inputs().get(0), operands.get(1), operands.get(2));
            }
            Value[] in = operands.stream().map(v -> values.get(v.name())).toArray(Value[]::new);
            b.addMulti(n.name(), op, n.outputs().stream().map(Value::name).toList(), in)
                    .forEach(v -> values.put(v.name(), v));
        }
        g.outputs().forEach(v -> b.output(values.get(v.name())));
        taps.values().removeIf(v -> foldable.containsKey(v.name()));
        taps.replaceAll((k, v) -> values.get(v.name()));
        return b.build();
    }
}
