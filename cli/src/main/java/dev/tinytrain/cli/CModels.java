package dev.tinytrain.cli;

import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.output.LoadedModel;
import java.nio.file.Path;

/** What the C commands ({@code size}, {@code bench insns}) share: compiling a model for the STM32F746. */
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

    /** The shipped model a TTE scheme preset is made for (mcunet-*, mbv2-*, proxyless-*). */
    static String presetModel(String scheme) {
        if (scheme.startsWith("mcunet")) {
            return "mcunet-5fps";
        } else if (scheme.startsWith("mbv2")) {
            return "mbv2-w0.35";
        } else if (scheme.startsWith("proxyless")) {
            return "proxyless-w0.3";
        }
        throw new IllegalArgumentException("scheme '" + scheme + "' names no known model");
    }

    /**
     * Compiles {@code model} ({@code --model}: a shipped name, a folder, ...) with the default transfer head of
     * {@code classes} classes for the STM32F746, without enforcing the budgets (the linked image is what is
     * measured).
     */
    static Compiled compile(String model, String scheme, String rounding, float lr, int classes) {
        return compile(model, scheme, rounding, lr, classes, true, true, 0);
    }

    /**
     * {@link #compile(String, String, String, float, int)} with each kind of streaming on or off and a recompute
     * budget ({@link CompileOptions#recomputeBudget()}).
     */
    static Compiled compile(String model, String scheme, String rounding, float lr, int classes, boolean streamPrefix,
                            boolean streamBackward, double recomputeBudget) {
        LoadedModel m = ModelInputs.load(model, 128, null, classes);
        CompiledModel c = Compiler.compileUnchecked(m.graph(), Target.STM32F746,
                ModelInputs.options(scheme, lr, rounding).withStreamPrefix(streamPrefix)
                        .withStreamBackward(streamBackward).withRecomputeBudget(recomputeBudget));
        return new Compiled(c, m.digest());
    }

    /**
     * A compiled model with its weights' SHA-256 (the provenance the C folder records).
     *
     * @param model the compiled step
     * @param weightsSha256 sha256 of the model's weights
     */
    record Compiled(CompiledModel model, String weightsSha256) {
        /** The C folder's model. */
        CModel toC() {
            return model.toC(weightsSha256);
        }
    }
}
