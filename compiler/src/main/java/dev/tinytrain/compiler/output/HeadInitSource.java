package dev.tinytrain.compiler.output;

import dev.tinytrain.ir.importer.HeadSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Initial values of the transfer head read from a file (the command line's {@code --head-init}; the reader of
 * the protocol's format lives in the {@code dataset} module, which the compiler does not depend on).
 */
public interface HeadInitSource {

    /** The files read (hashed into the input stamp). */
    List<Path> files();

    /**
     * Reads the head for a model whose pooled feature has {@code channels} channels.
     *
     * @throws CompileInputException when the file cannot be read or does not fit {@code channels}
     */
    HeadSpec read(int channels);

    /** What to call the head in reports, e.g. the file name. */
    String describe();

    /**
     * The default transfer head with {@code classes} classes drawn with {@code seed} ({@link HeadSpec#seeded}).
     */
    static HeadInitSource seeded(int classes, long seed) {
        return new HeadInitSource() {
            @Override
            public List<Path> files() {
                return List.of();
            }

            @Override
            public HeadSpec read(int channels) {
                return HeadSpec.seeded(classes, channels, seed);
            }

            @Override
            public String describe() {
                return String.format(Locale.ROOT, "%d classes, seeded initialisation (seed %d)", classes, seed);
            }
        };
    }

    /** The model's own pretrained int8 classifier (forward only: a training step needs a transfer head). */
    static HeadInitSource pretrained() {
        return new HeadInitSource() {
            @Override
            public List<Path> files() {
                return List.of();
            }

            @Override
            public HeadSpec read(int channels) {
                return HeadSpec.pretrained();
            }

            @Override
            public String describe() {
                return "the pretrained int8 classifier";
            }
        };
    }
}
