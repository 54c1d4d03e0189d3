package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Locates and caches the Glow corpus for tests; skips (with a message) when it is absent. */
final class CorpusFiles {
    private static List<GlowModel> models;

    private CorpusFiles() {
    }

    static synchronized List<GlowModel> glowModels() {
        Path path = GlowCorpus.defaultPath();
        assumeTrue(Files.isRegularFile(path), () -> "SKIPPED: Glow allocator corpus not found at "
                + path.toAbsolutePath() + " (set -D" + GlowCorpus.SHARED_PROPERTY + "=<shared dir>)");
        if (models == null) {
            try {
                models = GlowCorpus.parse(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return models;
    }

    static GlowModel model(String name) {
        return glowModels().stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no model " + name));
    }
}
