package dev.tinytrain.compiler.output;

import dev.tinytrain.ir.importer.HeadSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

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
        return computed(String.format(Locale.ROOT, "%d classes, seeded initialisation (seed %d)", classes, seed),
                channels -> HeadSpec.seeded(classes, channels, seed));
    }

    /** The model's own pretrained int8 classifier (forward only: a training step needs a transfer head). */
    static HeadInitSource pretrained() {
        return computed("the pretrained int8 classifier", channels -> HeadSpec.pretrained());
    }

    /** A head computed from the model's feature channels, reading no file. */
    private static HeadInitSource computed(String description, IntFunction<HeadSpec> head) {
        return new HeadInitSource() {
            @Override
            public List<Path> files() {
                return List.of();
            }

            @Override
            public HeadSpec read(int channels) {
                return head.apply(channels);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
