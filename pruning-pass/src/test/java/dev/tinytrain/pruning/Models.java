package dev.tinytrain.pruning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** The three pretrained models with a 10-class transfer head, imported once per test run, and golden access. */
final class Models {
    static final String MCUNET = "mcunet-5fps";
    static final String MBV2 = "mbv2-w0.35";
    static final String PROXYLESS = "proxyless-w0.3";
    private static final Map<String, ImportedModel> CACHE = new HashMap<>();

    private Models() {
    }

    /** The model imported at 128x128 with {@code HeadSpec.transfer} (zero head, 10 classes). */
    static synchronized ImportedModel load(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            Path dir = SharedFolder.require().resolve("models").resolve(n);
            int c = switch (n) {
                case MCUNET -> 160;
                case MBV2 -> 112;
                case PROXYLESS -> 96;
                default -> throw new IllegalArgumentException(n);
            };
            return McuModelImporter.load(dir, 128, HeadSpec.transfer(new float[10 * c], new float[10]));
        });
    }

    /** The header of {@code golden/<model>/<file>.json}. */
    static JsonNode goldenHeader(String model, String file) {
        Path p = SharedFolder.require().resolve("golden").resolve(model).resolve(file + ".json");
        try {
            return new ObjectMapper().readTree(Files.readAllBytes(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The raw bytes of tensor {@code name} of {@code golden/<model>/<file>.bin}. */
    static byte[] goldenTensor(String model, String file, String name) {
        JsonNode header = goldenHeader(model, file);
        for (JsonNode t : header.get("tensors")) {
            if (t.get("name").asText().equals(name)) {
                Path bin = SharedFolder.require().resolve("golden").resolve(model).resolve(file + ".bin");
                try {
                    byte[] all = Files.readAllBytes(bin);
                    int off = t.get("offset").asInt();
                    return Arrays.copyOfRange(all, off, off + t.get("nbytes").asInt());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new IllegalArgumentException("golden " + model + "/" + file + " has no tensor " + name);
    }
}
