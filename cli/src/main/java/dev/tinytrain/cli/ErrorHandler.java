package dev.tinytrain.cli;

import dev.tinytrain.fileio.FileAccessException;
import dev.tinytrain.fileio.IoReasons;
import dev.tinytrain.ir.IrException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns the compiler's typed errors into one message on stderr and exit code 1; anything else is a bug. */
final class ErrorHandler implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        if (ex instanceof UncheckedIOException u && !(u instanceof FileAccessException)
                && u.getCause() instanceof FileSystemException fs && fs.getFile() != null) {
            // the JDK's message for a missing or forbidden file is its path alone: add the reason
            cmd.getErr().println("tinytrain: error: " + fs.getFile() + ": " + IoReasons.reason(fs));
            return 1;
        }
        if (ex instanceof IrException || ex instanceof IllegalArgumentException || ex instanceof UncheckedIOException) {
            cmd.getErr().println("tinytrain: error: " + ex.getMessage());
            return 1;
        }
        cmd.getErr().println("tinytrain: internal error (please report): " + ex);
        ex.printStackTrace(cmd.getErr());
        return 1;
    }
}
