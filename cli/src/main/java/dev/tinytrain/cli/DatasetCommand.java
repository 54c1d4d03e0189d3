package dev.tinytrain.cli;

import dev.tinytrain.dataset.ArrowDatasets;
import dev.tinytrain.dataset.ImageDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tinytrain dataset}: dataset conversions. */
@Command(name = "dataset", mixinStandardHelpOptions = true, description = "Dataset conversions.",
        subcommands = {DatasetCommand.IdxToArrow.class})
final class DatasetCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (idx-to-arrow)");
    }

    /** {@code tinytrain dataset idx-to-arrow}. */
    @Command(name = "idx-to-arrow", mixinStandardHelpOptions = true,
            description = {"Convert an IDX image file and its label file (gzipped or not) to an Arrow IPC file.",
                "Schema: image FixedSizeBinary(rows*cols*channels), label int32, metadata rows/cols/channels: what"
                        + " `tinytrain finetune` reads (dataset/README.md)."})
    static final class IdxToArrow implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--images", required = true, paramLabel = "FILE", description = "IDX images (idx3-ubyte[.gz])")
        Path images;

        @Option(names = "--labels", required = true, paramLabel = "FILE", description = "IDX labels (idx1-ubyte[.gz])")
        Path labels;

        @Option(names = "--out", required = true, paramLabel = "FILE.arrow",
                description = "the Arrow file to create or replace (written atomically)")
        Path out;

        @Override
        public Integer call() {
            try {
                int n = ArrowDatasets.writeIdxAsArrow(images, labels, out);
                ImageDataset check = FinetuneCommand.readArrow(out);
                PrintWriter o = spec.commandLine().getOut();
                o.printf(Locale.ROOT, "wrote %,d images of %dx%dx%d with labels to %s%n", n, check.rows(), check.cols(),
                        check.channels(), out);
                o.flush();
                return 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
    }
}
