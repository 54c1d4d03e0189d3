package dev.tinytrain.fileio;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A file that cannot be read or written, or an output that must not be written: the message is complete (the
 * file, what was attempted and why, e.g. {@code cannot read /m/weights.bin: it is a named pipe, not a regular
 * file}) and holds no Java class names, so a command line can print it as it is.
 */
public class FileAccessException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception; {@code cause} is the I/O failure, or one made up for a refusal. */
    public FileAccessException(String message, IOException cause) {
        super(message, cause);
    }

    /** A refusal that is not an I/O failure (an output that is an input, a folder not written by tinytrain). */
    public static Refused refused(String message) {
        return new Refused(message);
    }

    /** A file tinytrain refuses to read or write, as opposed to a failing system call. */
    public static final class Refused extends FileAccessException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, new IOException(message));
        }
    }
}
