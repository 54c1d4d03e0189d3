package dev.tinytrain.ir;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code ../shared} for tests; skips with a clear message only when it is absent. */
public final class SharedFolder {
    private SharedFolder() {
    }

    /** The shared folder, or a skipped test when it is absent. */
    public static Path require() {
        String prop = System.getProperty("tinytrain.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("../../shared");
        assumeTrue(Files.isDirectory(p.resolve("models")),
                "../shared is absent (looked in " + p.toAbsolutePath().normalize() + "): skipping tests that need it");
        return p.toAbsolutePath().normalize();
    }
}
