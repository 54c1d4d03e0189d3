package dev.tinytrain.compiler.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.zoo.ModelZoo;
import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.IrParseException;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.tflite.TfliteImporter;
import dev.tinytrain.models.ShippedModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a model comes from: the one way tinytrain turns what a user typed ({@code --model} of every command, the
 * Maven goal's {@code model}, {@code ModelSource.resolve} in Java) into a forward graph. The rule, first match wins:
 *
 * <ol>
 *   <li>{@code synthetic:NAME} (or {@code NAME-synthetic}): a built-in architecture with seeded SYNTHETIC weights
 *       ({@link ModelZoo}), only ever on this explicit request;</li>
 *   <li>an existing folder: a {@code tinytrain-mcu-model/1} folder ({@code model.json} + {@code weights.bin});
 *       a path to such a folder's {@code model.json} means the folder;</li>
 *   <li>an existing file: read by its {@linkplain FileFormat format}, chosen by the file name
 *       ({@code .json}: a tinytrain IR JSON graph, {@code tinytrain-ir/1}; {@code .tflite}: a full-integer TFLite
 *       model);</li>
 *   <li>the name of a shipped pretrained model ({@link ShippedModels}: {@code mcunet-5fps}, {@code mbv2-w0.35},
 *       {@code proxyless-w0.3}): its real weights, from the class path, whatever the working folder;</li>
 *   <li>anything else is an error naming the path looked at and the names known.</li>
 * </ol>
 *
 * Resolving touches no file contents; {@link #files()} lists what {@link #load} will read (for the input stamp).
 *
 * @param spec what the user typed
 * @param kind where the model comes from
 * @param path the folder or file ({@code null} for a synthetic model)
 * @param zooName the synthetic architecture's name ({@code null} otherwise)
 */
public record ModelSource(String spec, Kind kind, Path path, String zooName) {
    /** Prefix that asks for a built-in architecture with synthetic weights. */
    public static final String SYNTHETIC_PREFIX = "synthetic:";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Where a model comes from. */
    public enum Kind {
        /** A {@code tinytrain-mcu-model/1} folder given by path. */
        FOLDER("folder"),
        /** A shipped pretrained model, by name ({@link ShippedModels}). */
        SHIPPED("shipped"),
        /** A tinytrain IR JSON graph. */
        IR_JSON("ir-json"),
        /** A full-integer TFLite flatbuffer (TFLite integer numerics). */
        TFLITE("tflite"),
        /** A built-in architecture with seeded synthetic weights. */
        SYNTHETIC("synthetic");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The name used in stamps and reports. */
        public String label() {
            return label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /**
     * The model file formats other than a model folder, chosen by file name: the extension point for a new
     * format (its constant here and its case in {@link ModelSource#load}).
     */
    public enum FileFormat {
        /** A tinytrain IR JSON graph ({@code tinytrain-ir/1}). */
        IR_JSON(".json", Kind.IR_JSON),
        /** A full-integer TFLite model ({@link TfliteImporter}): its last FULLY_CONNECTED becomes the head. */
        TFLITE(".tflite", Kind.TFLITE);

        private final String extension;
        private final Kind kind;

        FileFormat(String extension, Kind kind) {
            this.extension = extension;
            this.kind = kind;
        }

        /** The format of {@code file} by its name, or empty when none matches. */
        static Optional<FileFormat> of(Path file) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            for (FileFormat f : values()) {
                if (name.endsWith(f.extension)) {
                    return Optional.of(f);
                }
            }
            return Optional.empty();
        }

        /** The file-name ending of the format. */
        public String extension() {
            return extension;
        }

        /** The kind of model source a file of this format is. */
        public Kind kind() {
            return kind;
        }
    }

    /**
     * Resolves {@code spec}, relative paths against {@code baseDir}.
     *
     * @throws CompileInputException when it is neither an existing path nor a known name
     */
    public static ModelSource resolve(String spec, Path baseDir) {
        if (spec == null || spec.isBlank()) {
            throw new CompileInputException("no model given: pass a shipped model (" + shippedNames() + "), a"
                    + " tinytrain-mcu-model/1 folder, an IR JSON file or " + SYNTHETIC_PREFIX + "NAME");
        }
        if (spec.startsWith(SYNTHETIC_PREFIX)) {
            String name = spec.substring(SYNTHETIC_PREFIX.length());
            if (!ModelZoo.contains(name)) {
                throw new CompileInputException("no built-in architecture '" + name + "' for synthetic weights; known: "
                        + String.join(", ", ModelZoo.names()));
            }
            return new ModelSource(spec, Kind.SYNTHETIC, null, name);
        }
        Path p = baseDir.resolve(spec).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            return new ModelSource(spec, Kind.FOLDER, p, null);
        }
        if (Files.isRegularFile(p)) {
            if (p.getFileName().toString().equals("model.json") && Files.exists(p.resolveSibling("weights.bin"))) {
                return new ModelSource(spec, Kind.FOLDER, p.getParent(), null);
            }
            FileFormat format = FileFormat.of(p).orElseThrow(() -> new CompileInputException("model file " + p
                    + ": unknown format (known: a tinytrain-mcu-model/1 folder, "
                    + Arrays.stream(FileFormat.values()).map(f -> "*" + f.extension() + " (" + f.kind() + ")")
                            .collect(Collectors.joining(", ")) + ")"));
            return new ModelSource(spec, format.kind(), p, null);
        }
        Optional<Path> shipped = ShippedModels.folder(spec);
        if (shipped.isPresent()) {
            return new ModelSource(spec, Kind.SHIPPED, shipped.get(), null);
        }
        if (spec.endsWith(ModelZoo.SYNTHETIC_SUFFIX) && ModelZoo.contains(spec)) {
            return new ModelSource(spec, Kind.SYNTHETIC, null, spec);
        }
        throw new CompileInputException("model '" + spec + "' not found: no folder or file at " + p
                + ", and not a shipped model (" + shippedNames() + "); synthetic weights: " + SYNTHETIC_PREFIX
                + "NAME with NAME one of " + String.join(", ", ModelZoo.names()));
    }

    private static String shippedNames() {
        return String.join(", ", ShippedModels.names());
    }

    /** The files {@link #load} reads: every file of the folder, the model file, or none for synthetic weights. */
    public List<Path> files() {
        switch (kind) {
            case FOLDER, SHIPPED -> {
                try (Stream<Path> s = Files.list(path)) {
                    return s.filter(Files::isRegularFile).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list model folder " + path + ": " + e.getMessage(), e);
                }
            }
            case SYNTHETIC -> {
                return List.of();
            }
            default -> {
                return List.of(path);
            }
        }
    }

    /** A short name for logs: the synthetic model's name, the folder name or the file name. */
    public String displayName() {
        return zooName != null ? ModelZoo.architecture(zooName).name() + ModelZoo.SYNTHETIC_SUFFIX
                : path.getFileName().toString();
    }

    /** True for synthetic weights. */
    public boolean synthetic() {
        return kind == Kind.SYNTHETIC;
    }

    /**
     * Loads the forward graph.
     *
     * @param resolution input height and width (folders and synthetic models; an IR JSON graph and a TFLite model
     *     have their own)
     * @param head the head: a transfer head's initial values, {@link HeadInitSource#pretrained()} for the model's
     *     own int8 classifier, or {@code null} for the default ({@link HeadSpec#defaultTransfer}); an IR JSON graph
     *     carries its own head and takes only {@code null}
     * @throws dev.tinytrain.ir.IrException (a {@code ModelFormatException}, {@code IrParseException},
     *     {@code IrVerificationException} or {@link CompileInputException}) naming the file and field at fault
     */
    public LoadedModel load(int resolution, HeadInitSource head) {
        switch (kind) {
            case SYNTHETIC -> {
                int c = ModelZoo.architecture(zooName).featureChannels();
                ImportedModel m = ModelZoo.build(zooName, resolution, headSpec(head, c));
                String desc = ModelZoo.describe(zooName) + "; " + headText(head);
                return new LoadedModel(m.graph(), kind.label(), desc, true, m.weightsSha256(), m.convOrder(), c);
            }
            case FOLDER, SHIPPED -> {
                int c = featureChannels(path);
                ImportedModel m = c > 0 ? McuModelImporter.load(path, resolution, headSpec(head, c))
                        : McuModelImporter.load(path, resolution, HeadSpec.pretrained()); // reports the fault
                String where = kind == Kind.SHIPPED ? "shipped pretrained model (MIT HAN Lab tiny-training, MIT"
                        + " License)" : "tinytrain-mcu-model/1 folder " + path;
                String desc = m.modelName() + ": " + where + " (weights sha256 " + m.weightsSha256() + "); "
                        + headText(head);
                return new LoadedModel(m.graph(), kind.label(), desc, false, m.weightsSha256(), m.convOrder(), c);
            }
            case TFLITE -> {
                int c = TfliteImporter.featureChannels(path);
                ImportedModel m = TfliteImporter.load(path, headSpec(head, c));
                String desc = m.modelName() + ": TFLite flatbuffer " + path + " (sha256 " + m.weightsSha256() + "); "
                        + headText(head);
                return new LoadedModel(m.graph(), kind.label(), desc, false, m.weightsSha256(), m.convOrder(), c);
            }
            case IR_JSON -> {
                if (head != null) {
                    throw new CompileInputException("a head applies to model folders and shipped or synthetic"
                            + " models; the IR JSON graph " + path + " carries its own head");
                }
                String text;
                try {
                    text = InputFiles.readUtf8(path, InputFiles.TEXT_LIMIT);
                } catch (FileAccessException e) {
                    throw new CompileInputException(e.getMessage(), e);
                }
                Graph g;
                try {
                    g = IrJson.read(text);
                } catch (IrParseException e) {
                    throw new IrParseException(path + ": " + e.getMessage(), e);
                }
                String sha = Hashing.sha256().hashString(text, StandardCharsets.UTF_8).toString();
                String desc = g.name() + ": IR JSON " + path + " (sha256 " + sha + ")";
                return new LoadedModel(g, kind.label(), desc, false, sha, Compiler.convOrder(g), -1);
            }
            default -> throw new IllegalStateException("unhandled model kind " + kind);
        }
    }

    private static HeadSpec headSpec(HeadInitSource head, int channels) {
        return head == null ? HeadSpec.defaultTransfer(channels) : head.read(channels);
    }

    private static String headText(HeadInitSource head) {
        return head == null ? String.format(Locale.ROOT, "head: %d classes, seeded initialisation",
                HeadSpec.DEFAULT_CLASSES) : "head: " + head.describe();
    }

    /** The classifier's input channels from {@code model.json}, or -1 when it cannot be read (the importer says why). */
    private static int featureChannels(Path dir) {
        try {
            JsonNode root = MAPPER.readTree(InputFiles.readAllBytes(dir.resolve("model.json"), InputFiles.TEXT_LIMIT));
            JsonNode c = root == null ? null : root.path("classifier").get("in_channel");
            return c != null && c.canConvertToInt() && c.intValue() > 0 ? c.intValue() : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
