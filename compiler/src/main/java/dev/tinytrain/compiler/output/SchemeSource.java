package dev.tinytrain.compiler.output;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.PolicyJson;
import dev.tinytrain.pruning.Presets;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The sparse-update scheme, resolved from what a user typed ({@code --scheme} of every command, the Maven goal's
 * {@code scheme}, {@code SchemeSource.resolve} in Java), by one rule: a policy file ({@code tinytrain-sparse-update/1})
 * when it ends in {@code .json}, contains a path separator or names an existing file; a preset name
 * ({@link Presets}) otherwise. (So a file named like a preset is a file; {@code ./mcunet-99kb} asks for one
 * explicitly.)
 *
 * @param spec what the user typed
 * @param file the policy file, or {@code null} for a preset
 */
public record SchemeSource(String spec, Path file) {

    /**
     * Resolves {@code spec}, relative paths against {@code baseDir}. Reads nothing.
     *
     * @throws dev.tinytrain.pruning.PolicyException when no scheme is given
     */
    public static SchemeSource resolve(String spec, Path baseDir) {
        if (spec == null || spec.isBlank()) {
            throw new dev.tinytrain.pruning.PolicyException("no sparse-update scheme given: pass a preset ("
                    + String.join(", ", Presets.names()) + ") or a policy JSON file");
        }
        Path p = baseDir.resolve(spec).toAbsolutePath().normalize();
        boolean looksLikeFile = spec.endsWith(".json") || spec.contains("/") || spec.contains(File.separator);
        if (looksLikeFile || Files.isRegularFile(p)) {
            return new SchemeSource(spec, p);
        }
        return new SchemeSource(spec, null);
    }

    /** True for a preset name. */
    public boolean isPreset() {
        return file == null;
    }

    /** The name for reports: the preset name, or the policy file's name. */
    public String name() {
        return file == null ? spec : file.getFileName().toString();
    }

    /** The files {@link #policy} reads. */
    public List<Path> files() {
        return file == null ? List.of() : List.of(file);
    }

    /**
     * Reads the policy.
     *
     * @throws dev.tinytrain.pruning.PolicyException listing the presets for an unknown name, or naming the file
     *     and field of a bad policy file
     */
    public SparseUpdatePolicy policy() {
        return file == null ? Presets.get(spec) : PolicyJson.read(file);
    }

    /**
     * Compile options for this scheme: its policy, with {@code training}, fused in-place updates, the
     * input-gradient-first schedule and the default alignment (what every command and the Maven goal compile with).
     */
    public CompileOptions options(TrainingOptions training) {
        return new CompileOptions(policy(), name(), training, true, true, MemoryPlan.DEFAULT_ALIGNMENT);
    }
}
