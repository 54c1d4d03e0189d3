package dev.tinytrain.finetune;

import dev.tinytrain.compiler.output.CompileInputException;
import dev.tinytrain.compiler.output.HeadInitSource;
import dev.tinytrain.dataset.HeadInit;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.ir.importer.HeadSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Initial values of a transfer head from a file of the accuracy protocol ({@code head-init/<model>.bin}: W
 * {@code [K, C]} then b {@code [K]}, float32 little-endian). When a {@code <name>.json} lies beside it, the file is
 * read and checked as that JSON describes; otherwise K follows from the file's size and the model's C.
 */
public final class HeadInitFile implements HeadInitSource {
    private final Path bin;

    /** A head read from {@code bin}. */
    public HeadInitFile(Path bin) {
        this.bin = bin;
    }

    private Path json() {
        String name = bin.getFileName().toString();
        String stem = name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name;
        return bin.resolveSibling(stem + ".json");
    }

    @Override
    public List<Path> files() {
        return Files.exists(json()) ? List.of(bin, json()) : List.of(bin);
    }

    /**
     * Reads the head.
     *
     * @throws CompileInputException when the file cannot be read, is not {@code W [K, channels] + b [K]} for any K,
     *     or its JSON describes a head of another model
     */
    @Override
    public HeadSpec read(int channels) {
        HeadInit h;
        // never a pipe or a device (reading one would block): FileAccessException names the file and the reason
        long size = InputFiles.requireRegular(bin);
        try {
            if (Files.exists(json())) {
                InputFiles.requireRegular(json());
                h = HeadInit.read(bin, json());
            } else {
                long floats = size / 4;
                if (size % 4 != 0 || floats % (channels + 1) != 0 || floats == 0) {
                    throw new CompileInputException("head-init " + bin + ": " + size + " bytes is not W [K, " + channels
                            + "] + b [K] in float32 for any K (the model's feature has " + channels + " channels)");
                }
                h = HeadInit.readRaw(bin, (int) (floats / (channels + 1)), channels);
            }
        } catch (IOException e) {
            throw new CompileInputException("head-init " + bin + ": " + e.getMessage(), e);
        }
        if (h.inChannels() != channels) {
            throw new CompileInputException("head-init " + bin + " is Linear(" + h.inChannels() + ", "
                    + h.numClasses() + "), but the model's feature has " + channels + " channels (a head of another"
                    + " model?)");
        }
        return HeadSpec.transfer(h.weight(), h.bias());
    }

    @Override
    public String describe() {
        return "initialised from " + bin;
    }
}
