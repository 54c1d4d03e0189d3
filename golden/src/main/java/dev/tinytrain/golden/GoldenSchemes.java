package dev.tinytrain.golden;

import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.pruning.PolicyResolver;
import dev.tinytrain.pruning.Presets;
import dev.tinytrain.pruning.Pruner;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/** The sparse-update schemes of the train goldens, and the pruning step that applies a named scheme. */
public final class GoldenSchemes {
    private GoldenSchemes() {
    }

    /** The scheme the authors used for {@code model}'s train goldens. */
    public static String defaultScheme(String model) {
        return switch (model) {
            case "mcunet-5fps" -> "mcunet-99kb";
            case "mbv2-w0.35" -> "mbv2-golden";
            case "proxyless-w0.3" -> "proxyless-golden";
            default -> throw new IllegalArgumentException("no default scheme for model '" + model + "'; pass --scheme");
        };
    }

    /** A pruning step applying preset {@code scheme} to a training graph of the model in {@code modelDir}. */
    public static UnaryOperator<TrainingGraph> pruner(String scheme, Path modelDir) {
        ImportedModel m = McuModelImporter.load(modelDir);
        return tg -> {
            Map<String, Trainability> t = PolicyResolver.resolve(Presets.get(scheme), tg.graph(), m.convOrder());
            return Pruner.prune(tg, t);
        };
    }
}
