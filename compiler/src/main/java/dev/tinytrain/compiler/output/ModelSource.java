package dev.tinytrain.compiler.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.zoo.ModelZoo;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.tflite.TfliteImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Where a model comes from, resolved from what a user typed ({@code --model}, the plugin's {@code model}):
 *
 * <ol>
 *   <li>{@code zoo:NAME}: a built-in architecture with synthetic weights ({@link ModelZoo});</li>
 *   <li>an existing folder: a {@code tinytrain-mcu-model/1} folder ({@code model.json} + {@code weights.bin});
 *       a path to such a folder's {@code model.json} means the folder;</li>
 *   <li>an existing {@code .tflite} file: a full-integer TFLite model ({@code TfliteImporter});</li>
 *   <li>an existing other file: a tinytrain IR JSON graph ({@code tinytrain-ir/1});</li>
 *   <li>a name of the zoo that is not an existing path ({@code mcunet-5fps}, {@code mbv2-w0.35},
 *       {@code proxyless-w0.3}, with or without {@code -synthetic});</li>
 *   <li>anything else is an error naming the path looked at and the zoo.</li>
 * </ol>
 *
 * Resolving touches no file contents; {@link #files()} lists what {@link #load} will read (for the input stamp).
 *
 * @param spec what the user typed
 * @param kind {@code folder}, {@code tflite}, {@code ir-json} or {@code zoo}
 * @param path the folder or file ({@code null} for the zoo)
 * @param zooName the zoo name ({@code null} otherwise)
 */
public record ModelSource(String spec, String kind, Path path, String zooName) {
    /** Prefix that forces a zoo model even when a file of that name exists. */
    public static final String ZOO_PREFIX = "zoo:";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Resolves {@code spec}, relative paths against {@code baseDir}.
     *
     * @throws CompileInputException when it is neither an existing path nor a zoo name
     */
    public static ModelSource resolve(String spec, Path baseDir) {
        if (spec == null || spec.isBlank()) {
            throw new CompileInputException("no model given: pass a tinytrain-mcu-model/1 folder, an IR JSON file or"
                    + " a built-in model (" + String.join(", ", ModelZoo.names()) + ")");
        }
        if (spec.startsWith(ZOO_PREFIX)) {
            String name = spec.substring(ZOO_PREFIX.length());
            if (!ModelZoo.contains(name)) {
                throw new CompileInputException("no built-in model '" + name + "'; the zoo has "
                        + String.join(", ", ModelZoo.names()));
            }
            return new ModelSource(spec, "zoo", null, name);
        }
        Path p = baseDir.resolve(spec).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            return new ModelSource(spec, "folder", p, null);
        }
        if (Files.isRegularFile(p)) {
            // issue 14: a .tflite flatbuffer (move into the shared model loader at merge)
            if (p.getFileName().toString().endsWith(".tflite")) {
                return new ModelSource(spec, "tflite", p, null);
            }
            if (p.getFileName().toString().equals("model.json") && Files.exists(p.resolveSibling("weights.bin"))) {
                return new ModelSource(spec, "folder", p.getParent(), null);
            }
            return new ModelSource(spec, "ir-json", p, null);
        }
        if (ModelZoo.contains(spec)) {
            return new ModelSource(spec, "zoo", null, spec);
        }
        throw new CompileInputException("model '" + spec + "' not found: no folder or file at " + p
                + ", and not a built-in model (" + String.join(", ", ModelZoo.names()) + ")");
    }

    /** The files {@link #load} reads: every file of the folder, the IR JSON file, or none for the zoo. */
    public List<Path> files() {
        switch (kind) {
            case "folder":
                try (Stream<Path> s = Files.list(path)) {
                    return s.filter(Files::isRegularFile).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list model folder " + path + ": " + e.getMessage(), e);
                }
            case "ir-json", "tflite":
                return List.of(path);
            default:
                return List.of();
        }
    }

    /** A short name for logs: the zoo name, the folder name or the file name. */
    public String displayName() {
        return zooName != null ? zooName + ModelZoo.SYNTHETIC_SUFFIX : path.getFileName().toString();
    }

    /**
     * Loads the forward graph.
     *
     * @param resolution input height and width (folders and the zoo; an IR JSON graph has its own)
     * @param head the transfer head's initial values, or {@code null} for the seeded default
     *     ({@link ModelZoo#syntheticHead}, 10 classes)
     * @throws dev.tinytrain.ir.IrException (a {@code ModelFormatException}, {@code IrParseException},
     *     {@code IrVerificationException} or {@link CompileInputException}) naming the file and field at fault
     */
    public LoadedModel load(int resolution, HeadInitSource head) {
        switch (kind) {
            case "zoo": {
                int c = ModelZoo.architecture(zooName).featureChannels();
                ImportedModel m = ModelZoo.build(zooName, resolution, headSpec(head, c));
                String desc = ModelZoo.describe(zooName) + "; " + headText(head);
                return new LoadedModel(m.graph(), kind, desc, true, m.weightsSha256(), m.convOrder());
            }
            case "folder": {
                int c = featureChannels(path);
                ImportedModel m = c > 0 ? McuModelImporter.load(path, resolution, headSpec(head, c))
                        : McuModelImporter.load(path, resolution, HeadSpec.pretrained()); // reports the fault
                String desc = m.modelName() + ": tinytrain-mcu-model/1 folder " + path + " (weights sha256 "
                        + m.weightsSha256() + "); " + headText(head);
                return new LoadedModel(m.graph(), kind, desc, false, m.weightsSha256(), m.convOrder());
            }
            case "tflite": { // issue 14: TFLite integer numerics, transfer head on the last FULLY_CONNECTED
                int c = TfliteImporter.featureChannels(path);
                ImportedModel m = TfliteImporter.load(path, headSpec(head, c));
                String desc = m.modelName() + ": TFLite flatbuffer " + path + " (sha256 " + m.weightsSha256() + "); "
                        + headText(head);
                return new LoadedModel(m.graph(), kind, desc, false, m.weightsSha256(), m.convOrder());
            }
            default: {
                if (head != null) {
                    throw new CompileInputException("a head-init file applies to model folders and built-in"
                            + " models; the IR JSON graph " + path + " carries its own head");
                }
                String text;
                try {
                    text = Files.readString(path, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
                }
                Graph g = IrJson.read(text);
                String sha = Hashing.sha256().hashString(text, StandardCharsets.UTF_8).toString();
                String desc = g.name() + ": IR JSON " + path + " (sha256 " + sha + ")";
                return new LoadedModel(g, kind, desc, false, sha, Compiler.convOrder(g));
            }
        }
    }

    private static HeadSpec headSpec(HeadInitSource head, int channels) {
        return head == null ? ModelZoo.syntheticHead(channels, ModelZoo.DEFAULT_CLASSES) : head.read(channels);
    }

    private static String headText(HeadInitSource head) {
        return head == null ? String.format(Locale.ROOT, "head: %d classes, seeded initialisation",
                ModelZoo.DEFAULT_CLASSES) : "head: " + head.describe();
    }

    /** The classifier's input channels from {@code model.json}, or -1 when it cannot be read (the importer says why). */
    private static int featureChannels(Path dir) {
        try {
            JsonNode root = MAPPER.readTree(dir.resolve("model.json").toFile());
            JsonNode c = root == null ? null : root.path("classifier").get("in_channel");
            return c != null && c.canConvertToInt() && c.intValue() > 0 ? c.intValue() : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
