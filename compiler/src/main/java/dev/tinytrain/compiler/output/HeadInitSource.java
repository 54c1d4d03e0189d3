package dev.tinytrain.compiler.output;

import dev.tinytrain.ir.importer.HeadSpec;
import java.nio.file.Path;
import java.util.List;

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
}
