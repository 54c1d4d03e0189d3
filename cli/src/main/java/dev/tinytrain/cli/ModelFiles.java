package dev.tinytrain.cli;

import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.tflite.TfliteImporter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place the command line tells a {@code .tflite} model (issue 14) from a {@code tinytrain-mcu-model/1}
 * folder: every command that takes {@code --model PATH} loads through here. (To be folded into the shared model
 * loader at merge.)
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** True when {@code model} is a TFLite flatbuffer file (by its {@code .tflite} extension). */
    public static boolean isTflite(Path model) {
        return model.getFileName() != null && model.getFileName().toString().endsWith(".tflite")
                && !Files.isDirectory(model);
    }

    /**
     * Imports {@code model} at {@code resolution} with {@code head}. A {@code .tflite} model has a fixed input size,
     * which {@code resolution} must match.
     *
     * @throws IllegalArgumentException when a {@code .tflite} model's input is not {@code resolution} square
     */
    public static ImportedModel load(Path model, int resolution, HeadSpec head) {
        if (!isTflite(model)) {
            return McuModelImporter.load(model, resolution, head);
        }
        ImportedModel m = TfliteImporter.load(model, head);
        int h = m.graph().inputs().get(0).type().shape().dim(1);
        int w = m.graph().inputs().get(0).type().shape().dim(2);
        if (h != resolution || w != resolution) {
            throw new IllegalArgumentException(model + " takes " + h + "x" + w + " images; pass --resolution " + h
                    + " (asked for " + resolution + ")");
        }
        return m;
    }

    /** {@link #load} at the model's own resolution (128 for a model folder) with its pretrained head. */
    public static ImportedModel load(Path model) {
        return isTflite(model) ? TfliteImporter.load(model) : McuModelImporter.load(model);
    }

    /** The input width of the transfer head: the pooled channels of a folder, the last FC's input of a .tflite. */
    public static int featureChannels(Path model, int resolution) {
        if (isTflite(model)) {
            return TfliteImporter.featureChannels(model);
        }
        return McuModelImporter.load(model, resolution, HeadSpec.pretrained()).tap("avgpool").type().shape().dim(3);
    }

    /** The model's own input resolution: that of a .tflite file, else {@code dflt}. */
    public static int resolution(Path model, int dflt) {
        return isTflite(model) ? TfliteImporter.load(model).graph().inputs().get(0).type().shape().dim(1) : dflt;
    }
}
