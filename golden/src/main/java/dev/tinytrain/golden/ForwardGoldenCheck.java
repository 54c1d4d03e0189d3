package dev.tinytrain.golden;

import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.ImportedModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a forward golden's input through the imported model on a backend and compares every stored tensor the graph
 * produces, bit for bit.
 */
public final class ForwardGoldenCheck {
    private ForwardGoldenCheck() {
    }

    /** {@link #run(GoldenFile, ImportedModel, GoldenBackend)} on the JVM backend. */
    public static List<TensorComparison> run(GoldenFile golden, ImportedModel model) {
        return run(golden, model, GoldenBackend.jvm());
    }

    /** Compares each stored tensor (except the input) with the value of the same name; forward means exact. */
    public static List<TensorComparison> run(GoldenFile golden, ImportedModel model, GoldenBackend backend) {
        Map<String, Value> taps = new LinkedHashMap<>();
        for (GoldenTensor t : golden.tensors().values()) {
            Value v = model.taps().get(t.name());
            if (!t.name().equals("input") && v != null) {
                taps.put(t.name(), v);
            }
        }
        Map<String, byte[]> got = backend.forward(model.graph(), golden.tensor("input").int8Nhwc(), taps);
        List<TensorComparison> out = new ArrayList<>();
        for (GoldenTensor t : golden.tensors().values()) {
            if (t.name().equals("input")) {
                continue;
            }
            if (!taps.containsKey(t.name())) {
                out.add(TensorComparison.notProduced(t));
                continue;
            }
            out.add(TensorComparison.exactInt8(t, t.int8Nhwc(), got.get(t.name())));
        }
        return out;
    }
}
