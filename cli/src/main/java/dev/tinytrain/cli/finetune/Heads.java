package dev.tinytrain.cli.finetune;

import dev.tinytrain.dataset.HeadInit;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** The model with its float32 transfer head: from a head-initialisation file, or a seeded default. */
public final class Heads {
    private Heads() {
    }

    /**
     * A model imported with a transfer head.
     *
     * @param model the imported model (ending in {@code Linear(C, K)})
     * @param classes K
     * @param features C
     */
    public record Loaded(ImportedModel model, int classes, int features) {
    }

    /** C, the channels of the model's pooled feature (the transfer head's input). */
    public static int featureChannels(Path modelDir, int resolution) {
        return dev.tinytrain.cli.ModelFiles.featureChannels(modelDir, resolution);
    }

    /**
     * Imports {@code modelDir} with a transfer head.
     *
     * @param headInit a head file as the protocol's {@code head-init/<model>.bin} (W [K, C] then b [K], float32
     *     little-endian; checked against the JSON beside it when there is one, else read with {@code classes}),
     *     or null for {@link #seeded}
     * @param classes K when there is no JSON describing the head
     * @param seed seed of the default head
     * @throws IOException if the head file is malformed or unreadable
     * @throws IllegalArgumentException if the head's C is not the model's
     */
    public static Loaded load(Path modelDir, int resolution, Path headInit, int classes, long seed) throws IOException {
        int c = featureChannels(modelDir, resolution);
        HeadSpec spec;
        int k;
        if (headInit != null) {
            String name = headInit.getFileName().toString();
            Path json = headInit.resolveSibling((name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name)
                    + ".json");
            HeadInit h = Files.exists(json) ? HeadInit.read(headInit, json) : HeadInit.readRaw(headInit, classes, c);
            if (h.inChannels() != c) {
                throw new IllegalArgumentException(headInit + ": the head takes " + h.inChannels()
                        + " features but the model " + modelDir + " pools " + c + " channels (a head of another model?)");
            }
            spec = HeadSpec.transfer(h.weight(), h.bias());
            k = h.numClasses();
        } else {
            spec = seeded(classes, c, seed);
            k = classes;
        }
        return new Loaded(dev.tinytrain.cli.ModelFiles.load(modelDir, resolution, spec), k, c);
    }

    /**
     * PyTorch's default {@code Linear(C, K)} initialisation in distribution (W and b uniform in
     * {@code [-1/sqrt(C), 1/sqrt(C))}), drawn from {@code new SplittableRandom(seed)}: W row-major, then b.
     */
    public static HeadSpec seeded(int classes, int c, long seed) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(c);
        float[] w = new float[classes * c];
        float[] b = new float[classes];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextDouble(-bound, bound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextDouble(-bound, bound);
        }
        return HeadSpec.transfer(w, b);
    }
}
