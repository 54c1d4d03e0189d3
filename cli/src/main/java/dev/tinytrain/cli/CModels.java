package dev.tinytrain.cli;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import java.nio.file.Path;

/** What the C commands ({@code size}, {@code bench}) share: compiling a model folder for the STM32F746. */
final class CModels {
    private CModels() {
    }

    /** The default cache of emitted C models: the system property tinytrain.c.cache, else a temporary folder. */
    static Path cache(Path option) {
        if (option != null) {
            return option;
        }
        return Path.of(System.getProperty("tinytrain.c.cache",
                Path.of(System.getProperty("java.io.tmpdir"), "tinytrain-c-cache").toString()));
    }

    /** The shared folder: the system property tinytrain.shared, else ../shared. */
    static Path shared() {
        return Path.of(System.getProperty("tinytrain.shared", "../shared"));
    }

    /**
     * Compiles {@code dir}'s model with a {@code classes}-way transfer head (deterministic small weights: sizes and
     * instruction counts do not depend on them) for the STM32F746, without enforcing the budgets (the linked image
     * is what is measured).
     */
    static CompiledModel compile(Path dir, String scheme, String rounding, float lr, int classes) {
        int resolution = ModelFiles.resolution(dir, 128);
        int c = ModelFiles.featureChannels(dir, resolution);
        float[] w = new float[classes * c];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) * 0.05f;
        }
        ImportedModel t = ModelFiles.load(dir, resolution, HeadSpec.transfer(w, new float[classes]));
        CompileOptions o = CompileOptions.preset(scheme, lr).withTraining(new TrainingOptions(lr, lr, rounding, true,
                0));
        return Compiler.compileUnchecked(t.graph(), Target.STM32F746, o);
    }

    /** The weights file's SHA-256 (the model's provenance). */
    static String weightsSha256(Path dir) {
        return ModelFiles.load(dir).weightsSha256();
    }
}
