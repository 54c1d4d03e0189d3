package dev.tinytrain.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pretrained int8 models shipped with tinytrain (MIT HAN Lab's {@code mcunet-5fps}, {@code mbv2-w0.35},
 * {@code proxyless-w0.3}; MIT License, provenance in the module's {@code README.md}), as
 * {@code tinytrain-mcu-model/1} folders on the class path under {@code dev/tinytrain/models/<name>/}.
 *
 * <p>{@link #folder} gives a {@link Path} that the importer reads like any model folder: a plain directory when the
 * classes come from a folder ({@code target/classes}), or a directory of the jar's zip file system when they come
 * from a jar. Such a zip file system is opened once per jar and stays open for the life of the JVM (the models
 * are read-only; closing it under a concurrent reader would break that reader).
 */
public final class ShippedModels {
    /** The class-path folder that holds one sub-folder per model. */
    public static final String RESOURCE_ROOT = "/dev/tinytrain/models/";
    private static final List<String> NAMES = List.of("mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3");

    private ShippedModels() {
    }

    /** The shipped model names, in the README's order. */
    public static List<String> names() {
        return NAMES;
    }

    /** True if {@code name} is a shipped model. */
    public static boolean contains(String name) {
        return NAMES.contains(name);
    }

    /**
     * The folder holding {@code model.json} and {@code weights.bin} of a shipped model, or empty when
     * {@code name} is not one.
     *
     * @throws IllegalStateException when a shipped model is missing from the class path (a broken build)
     * @throws UncheckedIOException when the jar holding it cannot be opened
     */
    public static Optional<Path> folder(String name) {
        if (!contains(name)) {
            return Optional.empty();
        }
        URL url = ShippedModels.class.getResource(RESOURCE_ROOT + name + "/model.json");
        if (url == null) {
            throw new IllegalStateException("shipped model " + name + " is missing from the class path (expected "
                    + RESOURCE_ROOT + name + "/model.json in the tinytrain-models jar)");
        }
        try {
            return Optional.of(pathOf(url.toURI()).getParent());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate shipped model " + name + " at " + url, e);
        }
    }

    private static Path pathOf(URI uri) {
        if (!"jar".equals(uri.getScheme())) {
            return Path.of(uri);
        }
        try {
            return Path.of(uri);
        } catch (FileSystemNotFoundException notOpenYet) {
            try {
                FileSystems.newFileSystem(uri, Map.of());
            } catch (FileSystemAlreadyExistsException openedMeanwhile) {
                // another thread opened it between the two calls: use that one
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the jar holding " + uri + ": " + e.getMessage(), e);
            }
            return Path.of(uri);
        }
    }
}
