package dev.tinytrain.dataset;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes a file through a temporary file in the same folder and an atomic rename: never half-written. */
final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes the content of a file given an open, writable channel. */
    @FunctionalInterface
    interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /**
     * Creates {@code target} with the content {@code writer} writes. The data goes to a temporary file in the
     * target's folder, is forced to disk, and is then renamed onto {@code target} (atomically where the file
     * system allows; replacing an existing file). On any failure the temporary file is deleted and
     * {@code target} is left as it was.
     */
    static void write(Path target, ChannelWriter writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null) {
            throw new IOException(target + ": has no parent folder");
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(ch);
            }
            // the writer may have closed the channel (Arrow's writers do): sync through a new one
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    // keep the original failure
                }
            }
        }
    }
}
