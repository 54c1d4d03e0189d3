package dev.tinytrain.cli.golden;

import dev.tinytrain.backend.jvm.JvmProgram;
import dev.tinytrain.backend.jvm.JvmRun;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.planner.ArenaLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a forward golden's input through the imported model on the JVM backend and compares every stored tensor
 * the graph produces, bit for bit.
 */
public final class ForwardGoldenCheck {
    private ForwardGoldenCheck() {
    }

    /** Compares each stored tensor (except the input) with the value of the same name; forward means exact. */
    public static List<TensorComparison> run(GoldenFile golden, ImportedModel model) {
        Graph g = model.graph();
        JvmProgram program = JvmProgram.compile(g, ArenaLayout.sequential(g, 16));
        JvmRun run = program.newRun();
        run.setInt8(model.tap("input"), golden.tensor("input").int8Nhwc());
        run.run();
        List<TensorComparison> out = new ArrayList<>();
        for (GoldenTensor t : golden.tensors().values()) {
            if (t.name().equals("input")) {
                continue;
            }
            Value v = model.taps().get(t.name());
            if (v == null) {
                out.add(TensorComparison.notProduced(t));
                continue;
            }
            out.add(TensorComparison.exactInt8(t, t.int8Nhwc(), run.int8(v)));
        }
        return out;
    }
}
