package dev.tinytrain.compiler.output;

import com.google.common.hash.Hashing;
import dev.tinytrain.compiler.zoo.ModelZoo;
import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.pruning.PolicyJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a compile run depends on, as a stamp file kept beside its outputs: every option, the content hash of
 * every input file (the model folder's files, the IR JSON, the policy file, the head-init file), the zoo
 * generator version, the resolved preset, and a fingerprint of the tool itself. When the stamp of a new run
 * equals the one in the output folder, and the outputs are there, the run can be skipped.
 *
 * <p>The first line is {@code tinytrain-stamp/1 <sha256 of the other lines>}; the other lines say in words what
 * went into it, so a user can see why a build was or was not up to date.
 */
public final class InputStamp {
    /** Format of the first line. */
    public static final String FORMAT = "tinytrain-stamp/1";

    private InputStamp() {
    }

    /**
     * The stamp of {@code r}. Resolves the model and scheme (so a missing model or an unknown preset fails here,
     * with the same message as the compile would give) and hashes the files they name.
     *
     * @param r the request
     * @param tool what identifies the tool's code: a version, and for snapshots a hash of its jars
     * @throws dev.tinytrain.ir.IrException for a model or scheme that cannot be resolved
     */
    public static String compute(CompileRequest r, String tool) {
        ModelSource model = ModelSource.resolve(r.model(), r.baseDir());
        SchemeSource scheme = SchemeSource.resolve(r.scheme(), r.baseDir());
        List<String> lines = new ArrayList<>();
        lines.add("tool " + tool);
        lines.add("model " + r.model() + " (" + model.kind() + (model.path() != null ? " " + model.path() : "") + ")");
        if (model.zooName() != null) {
            lines.add("zoo generator v" + ModelZoo.GENERATOR_VERSION + " seed " + ModelZoo.SEED);
        }
        for (Path f : model.files()) {
            lines.add("  file " + f.getFileName() + " sha256 " + sha256(f));
        }
        if (scheme.isPreset()) {
            // the preset's definition, so a changed preset is a changed input
            String definition = PolicyJson.toJson(scheme.policy());
            lines.add("scheme preset " + scheme.spec() + " sha256 "
                    + Hashing.sha256().hashString(definition, StandardCharsets.UTF_8));
        } else {
            lines.add("scheme file " + scheme.file() + " sha256 " + sha256OrMissing(scheme.file()));
        }
        lines.add("target " + r.target());
        lines.add("rounding " + r.rounding());
        lines.add(String.format(Locale.ROOT, "lr %s bias-lr %s", Float.toString(r.learningRate()),
                Float.toString(r.effectiveBiasLearningRate())));
        lines.add("resolution " + r.resolution());
        if (!r.streamBackward()) {
            lines.add("backward whole tensors"); // the default (streamed) keeps the stamps of earlier versions
        }
        if (!r.streamPrefix()) {
            lines.add("prefix whole tensors");
        }
        if (r.headInit() == null) {
            lines.add("head seeded " + HeadSpec.DEFAULT_CLASSES + " classes");
        } else {
            for (Path f : r.headInit().files()) {
                lines.add("head file " + f + " sha256 " + sha256OrMissing(f));
            }
        }
        String body = String.join("\n", lines) + "\n";
        return FORMAT + " " + Hashing.sha256().hashString(body, StandardCharsets.UTF_8) + "\n" + body;
    }

    /** The first line of a stamp (the format and the hash). */
    public static String firstLine(String stamp) {
        int nl = stamp.indexOf('\n');
        return nl < 0 ? stamp : stamp.substring(0, nl);
    }

    /** The sha256 of a file's contents. */
    public static String sha256(Path f) {
        InputFiles.requireRegular(f); // never a pipe or a device: hashing one would block or never end
        try {
            // through the path's own file system: a shipped model's files live inside the models jar
            return new com.google.common.io.ByteSource() {
                @Override
                public java.io.InputStream openStream() throws IOException {
                    return Files.newInputStream(f);
                }
            }.hash(Hashing.sha256()).toString();
        } catch (IOException e) {
            throw FileAccessException.failed("read", f, e);
        }
    }

    /** The sha256 of a file, or {@code missing} (the compile run then reports it). */
    private static String sha256OrMissing(Path f) {
        if (!Files.exists(f)) {
            return "missing";
        }
        return sha256(f);
    }
}
