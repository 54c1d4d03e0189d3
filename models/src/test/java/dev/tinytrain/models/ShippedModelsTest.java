package dev.tinytrain.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ShippedModelsTest {
    /** The sha256 of each weights.bin as published in README.md (from each model.json's weights.sha256). */
    private static final Map<String, String> WEIGHTS_SHA256 = Map.of(
            "mcunet-5fps", "25cc833e6a5a187b86eec5d2eeaa42d2e1960078f6b448cd85978474f829e2df",
            "mbv2-w0.35", "f704b811dc52ab41c9573d06dee8ab73db856ebcc487050f761c5755e4ec8b70",
            "proxyless-w0.3", "ea50fd70626a03839ab2e9fb3a5d41981fc203b9331ac71a1ecec68f8dfd0555");

    @Test
    void everyShippedModelImportsWithItsPublishedDigest() {
        for (String name : ShippedModels.names()) {
            Path dir = ShippedModels.folder(name).orElseThrow();
            ImportedModel m = McuModelImporter.load(dir);
            assertEquals(name, m.modelName());
            assertEquals(WEIGHTS_SHA256.get(name), m.weightsSha256(), name);
        }
    }

    @Test
    void theNamesAreTheModelFoldersOfTheModule() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(""))) {
            List<String> folders = s.filter(p -> Files.isRegularFile(p.resolve("model.json")))
                    .map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(folders, ShippedModels.names().stream().sorted().toList());
        }
        assertEquals(WEIGHTS_SHA256.keySet(), Set.copyOf(ShippedModels.names()));
    }

    @Test
    void theLicenseNoticeTravelsWithTheModels() throws IOException {
        Path license = ShippedModels.folder("mcunet-5fps").orElseThrow().resolveSibling("LICENSE");
        String text = Files.readString(license);
        assertTrue(text.startsWith("MIT License") && text.contains("Copyright (c) 2022 MIT HAN Lab"), text);
    }

    @Test
    void otherNamesAreNotShipped() {
        assertEquals(Optional.empty(), ShippedModels.folder("mcunet-5fps-synthetic"));
        assertEquals(Optional.empty(), ShippedModels.folder("../models/mcunet-5fps"));
    }
}
