package dev.tinytrain.finetune;

import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.output.HeadInitSource;
import dev.tinytrain.compiler.output.LoadedModel;
import dev.tinytrain.compiler.output.ModelSource;
import dev.tinytrain.dataset.ArrowDatasets;
import dev.tinytrain.dataset.Preprocessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's fine-tuning example, verbatim between the markers (ReadmeExampleTest runs it). Keep the README's
 * "Fine-tuning from Java" block identical to the lines between {@code README-BEGIN} and {@code README-END}.
 */
final class ReadmeExample {
    private ReadmeExample() {
    }

    static FinetuneResult fineTune(Path trainArrow, Path testArrow, Path plotSvg) throws IOException {
        // README-BEGIN
        // the shipped MCUNet with a fresh 10-class head, compiled for the STM32F746: the step the device runs
        LoadedModel model = ModelSource.resolve("mcunet-5fps", Path.of("")).load(128, HeadInitSource.seeded(10, 0));
        CompiledModel step = Compiler.compile(model.graph(), Target.STM32F746,
                CompileOptions.preset("mcunet-99kb", 1e-3f));
        Preprocessor pre = Preprocessor.protocol();                 // resize to 128x128, pixels to int8
        PreparedImages train = PreparedImages.prepare(ArrowDatasets.read(trainArrow), model.classes(), pre);
        PreparedImages test = PreparedImages.prepare(ArrowDatasets.read(testArrow), model.classes(), pre);
        FinetuneResult result = Finetuner.run(step, train, test, Finetuner.Plan.shuffled(train.count(), 1, 42),
                ProgressListener.NONE);                             // or your own: step(...), evaluated(...)
        System.out.printf("test accuracy %.1f%% after %d steps, %.1f ms/step%n", result.finalTestAccuracy(),
                result.steps(), result.msPerStep());
        Files.writeString(plotSvg, AccuracyPlot.svg("mcunet-99kb", result, train.count()));
        // README-END
        return result;
    }
}
