package dev.tinytrain.compiler.output;

import dev.tinytrain.ir.importer.McuModelImporter;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a compile run is told: the options of {@code tinytrain compile} and of the {@code tinytrain:compile}
 * Maven goal, unresolved (as typed).
 *
 * @param model a model folder, an IR JSON file or a zoo name (see {@link ModelSource})
 * @param scheme a preset name or a policy JSON file (see {@link SchemeSource})
 * @param target a target name ({@code stm32f746}, {@code tte-256kb}, {@code host})
 * @param rounding int8/int32 update rounding: {@code stochastic}, {@code nearest_even} or {@code float_master}
 * @param learningRate learning rate of weights and of the head
 * @param biasLearningRate learning rate of conv biases ({@code null}: the same as {@code learningRate})
 * @param resolution input height and width
 * @param headInit initial head values, or {@code null} for the seeded default
 * @param baseDir what relative paths are relative to (the working folder, the Maven project's base folder)
 * @param streamBackward stream each inverted-residual block's backward channel by channel (the default)
 * @param streamPrefix run the frozen prefix in row bands where that lowers the arena (the default)
 */
public record CompileRequest(String model, String scheme, String target, String rounding, float learningRate,
                             Float biasLearningRate, int resolution, HeadInitSource headInit, Path baseDir,
                             boolean streamBackward, boolean streamPrefix) {
    /** Default target. */
    public static final String DEFAULT_TARGET = "stm32f746";
    /**
     * Default rounding: stochastic, which keeps the accuracy of float master weights without them
     * ({@code ACCURACY-ANCHORS.md} C2).
     */
    public static final String DEFAULT_ROUNDING = "stochastic";
    /** Default learning rate (the accuracy anchors' int8 rows). */
    public static final float DEFAULT_LEARNING_RATE = 1e-3f;
    /** Default resolution: the models' own. */
    public static final int DEFAULT_RESOLUTION = 128;

    /** Validates what can be checked without reading anything. */
    public CompileRequest {
        Objects.requireNonNull(baseDir, "baseDir");
        if (resolution < 1 || resolution > McuModelImporter.MAX_RESOLUTION) {
            throw new IllegalArgumentException("resolution must lie in [1, " + McuModelImporter.MAX_RESOLUTION
                    + "], got " + resolution);
        }
    }

    /** A request with both kinds of streaming on (the default). */
    public CompileRequest(String model, String scheme, String target, String rounding, float learningRate,
                          Float biasLearningRate, int resolution, HeadInitSource headInit, Path baseDir) {
        this(model, scheme, target, rounding, learningRate, biasLearningRate, resolution, headInit, baseDir, true,
                true);
    }

    /** A request with the defaults: stm32f746, stochastic rounding, lr 1e-3 for everything, 128x128. */
    public static CompileRequest of(String model, String scheme, Path baseDir) {
        return new CompileRequest(model, scheme, DEFAULT_TARGET, DEFAULT_ROUNDING, DEFAULT_LEARNING_RATE, null,
                DEFAULT_RESOLUTION, null, baseDir);
    }

    /** The bias learning rate in effect. */
    public float effectiveBiasLearningRate() {
        return biasLearningRate == null ? learningRate : biasLearningRate;
    }
}
