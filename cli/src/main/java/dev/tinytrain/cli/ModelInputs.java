package dev.tinytrain.cli;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.output.HeadInitSource;
import dev.tinytrain.compiler.output.LoadedModel;
import dev.tinytrain.compiler.output.ModelSource;
import dev.tinytrain.compiler.output.SchemeSource;
import dev.tinytrain.finetune.HeadInitFile;
import dev.tinytrain.ir.importer.HeadSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How every command turns {@code --model}, {@code --head-init}, {@code --classes} and {@code --scheme} into a graph
 * and compile options: {@link ModelSource} and {@link SchemeSource} (the rules the Maven goal uses too), relative
 * paths against the working folder.
 */
final class ModelInputs {
    /** The help text of every {@code --model} option. */
    static final String MODEL_HELP = "a shipped pretrained model (mcunet-5fps, mbv2-w0.35, proxyless-w0.3), a"
            + " tinytrain-mcu-model/1 folder (model.json + weights.bin), a tinytrain IR JSON file, a full-integer"
            + " .tflite file, or"
            + " synthetic:NAME for a built-in architecture with SYNTHETIC weights (an existing path wins over a name)";
    /** The help text of every {@code --scheme} option. */
    static final String SCHEME_HELP = "sparse-update scheme: a preset (mcunet-49kb .. proxyless-148kb, head-only, all,"
            + " ...; for any model last-N-biases or last-N-biases-M-weights-R), or a tinytrain-sparse-update/1 policy"
            + " file (a value ending in .json, containing a / or naming an existing file)";

    private ModelInputs() {
    }

    /** The working folder, absolute. */
    static Path cwd() {
        return Path.of("").toAbsolutePath();
    }

    /** Resolves {@code --model}. */
    static ModelSource source(String model) {
        return ModelSource.resolve(model, cwd());
    }

    /**
     * The head to train: read from {@code headInit} when given, else the default head with {@code classes} classes
     * ({@link HeadSpec#seeded} with {@code seed}).
     */
    static HeadInitSource head(Path headInit, int classes, long seed) {
        return headInit != null ? new HeadInitFile(cwd().resolve(headInit)) : HeadInitSource.seeded(classes, seed);
    }

    /**
     * {@code --model} loaded with a transfer head ({@link #head}); an IR JSON graph without {@code --head-init}
     * carries its own head and is loaded as it is.
     */
    static LoadedModel load(String model, int resolution, Path headInit, int classes, long seed) {
        ModelSource source = source(model);
        return source.kind() == ModelSource.Kind.IR_JSON && headInit == null ? source.load(resolution, null)
                : source.load(resolution, head(headInit, classes, seed));
    }

    /** {@link #load} with the default head's seed. */
    static LoadedModel load(String model, int resolution, Path headInit, int classes) {
        return load(model, resolution, headInit, classes, HeadSpec.DEFAULT_SEED);
    }

    /**
     * What a run reads through {@code --model}, {@code --scheme} and {@code --head-init} ({@code scheme} and {@code headInit} null when absent): no
     * output of the run may be written over one of these.
     */
    static List<Path> inputs(String model, String scheme, Path headInit) {
        List<Path> in = new ArrayList<>(source(model).files());
        if (scheme != null) {
            in.addAll(SchemeSource.resolve(scheme, cwd()).files());
        }
        if (headInit != null) {
            in.addAll(new HeadInitFile(cwd().resolve(headInit)).files());
        }
        return in;
    }

    /** Compile options for {@code --scheme} (a preset or a policy file) with {@code training}. */
    static CompileOptions options(String scheme, TrainingOptions training) {
        return SchemeSource.resolve(scheme, cwd()).options(training);
    }

    /** {@link #options} with QAS and the same learning rate for weights, biases and the head. */
    static CompileOptions options(String scheme, float lr, String rounding) {
        return options(scheme, new TrainingOptions(lr, lr, rounding, true, 0));
    }
}
