package dev.tinytrain.fileio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A file that cannot be read or written, or an output that must not be written: the message is complete (the
 * file, what was attempted and why, e.g. {@code cannot read /m/weights.bin: it is a named pipe (FIFO), not a
 * regular file}) and holds no Java class names, so a command line can print it as it is. {@link #reason()} is the
 * part after the file, for callers whose own message names the file already.
 */
public class FileAccessException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    /** Creates the exception. */
    public FileAccessException(String message, String reason, IOException cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** A failed system call: {@code cannot VERB FILE: REASON}. */
    public static FileAccessException failed(String verb, Path file, IOException e) {
        return new FileAccessException(IoReasons.describe(verb, file, e), IoReasons.reason(file, e), e);
    }

    /** A refusal that is not an I/O failure (a pipe as input, an output that is an input, a user's folder). */
    public static Refused refused(String what, Path file, String reason) {
        return new Refused(what + " " + file + ": " + reason, reason);
    }

    /** Why, without the file: e.g. {@code permission denied}. */
    public String reason() {
        return reason;
    }

    /** A file tinytrain refuses to read or write, as opposed to a failing system call. */
    public static final class Refused extends FileAccessException {
        private static final long serialVersionUID = 1L;

        Refused(String message, String reason) {
            super(message, reason, new IOException(message));
        }
    }
}
