package dev.tinytrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinytrain.autodiff.Autodiff;
import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.ir.text.IrPrinter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The printed training step of MCUNet-5fps with the "99kb" scheme after pruning, compared line for line with
 * {@code src/test/resources/snapshots/mcunet-99kb.pruned.ir} (regenerate with
 * {@code -Dtinytrain.updateSnapshots=true} and review the diff). Read it to see: forward to the logits, the
 * loss, backward only from the head down to {@code blocks[6].pointwise2} (the deepest trained bias), masks only
 * where a kept gradient reads them, the two partial pointwise layers reading channel slices, one update per
 * trained parameter.
 */
class Mcunet99kbSnapshotTest {
    private static final Path SNAPSHOT = Path.of("src/test/resources/snapshots/mcunet-99kb.pruned.ir");

    @Test
    void prunedStepMatchesItsSnapshot() throws IOException {
        Path dir = SharedFolder.require().resolve("models/mcunet-5fps");
        ImportedModel m = McuModelImporter.load(dir, 128, HeadSpec.transfer(new float[1600], new float[10]));
        TrainingGraph full = Autodiff.differentiate(m.graph(), TrainingOptions.of(1e-3f, "stochastic"));
        TrainingGraph pruned = Pruner.prune(full,
                PolicyResolver.resolve(Presets.get("mcunet-99kb"), full.graph(), m.convOrder()));
        String printed = IrPrinter.print(pruned.graph());
        if (Boolean.getBoolean("tinytrain.updateSnapshots")) {
            Files.writeString(SNAPSHOT, printed, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(SNAPSHOT, StandardCharsets.UTF_8), printed);
    }
}
