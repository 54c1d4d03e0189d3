package dev.tinytrain.fileio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes single output files (a JSON report, an SVG, an Arrow file) whole or not at all: the bytes go to a
 * temporary file beside the destination, created with the permissions the umask gives a new file, are forced to
 * disk and renamed onto the destination. The destination must not be an input of the same command (compared as
 * files, so through symbolic and hard links), a folder, or a special file; temporary files a killed run left are
 * removed on the next write of the same destination.
 */
public final class OutputFiles {
    private OutputFiles() {
    }

    /** Writes the content of a file through an open channel. */
    @FunctionalInterface
    public interface ChannelWriter {
        /** Writes the whole content; may close the channel. */
        void write(FileChannel channel) throws IOException;
    }

    /**
     * Writes {@code text} as UTF-8 to {@code target}.
     *
     * @param inputs the files and folders the command reads, which {@code target} must not be
     * @throws FileAccessException naming the file and the reason; {@code target} is then unchanged
     */
    public static void writeString(Path target, String text, Collection<Path> inputs) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, inputs, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /**
     * Writes {@code target} with the content {@code writer} produces.
     *
     * @throws FileAccessException naming the file and the reason; {@code target} is then unchanged
     */
    public static void write(Path target, Collection<Path> inputs, ChannelWriter writer) {
        Path abs = target.toAbsolutePath().normalize();
        checkWritable(abs, inputs);
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw FileAccessException.failed("write", abs, e);
        }
        Staging.removeStale(abs);
        Path tmp = Staging.tempSibling(abs);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(ch);
            }
            // the writer may have closed the channel (Arrow's writers do): sync through a new one
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } catch (IOException e) {
            throw FileAccessException.failed("write", abs, e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    // keep the original failure; the next run removes the leftover
                }
            }
        }
    }

    /**
     * Checks, without writing, that {@code target} may be replaced: it is not a folder or a special file and is
     * not one of {@code inputs} (an input folder stands for the files directly inside it). A new file inside an input folder is allowed: it replaces nothing that is read.
     *
     * @throws FileAccessException when it may not
     */
    public static void checkWritable(Path target, Collection<Path> inputs) {
        Path abs = target.toAbsolutePath().normalize();
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(abs, BasicFileAttributes.class);
        } catch (IOException e) {
            return; // nothing there yet (or a dangling link, which the rename replaces)
        }
        if (a.isDirectory()) {
            throw FileAccessException.refused("cannot write", abs, "it is a folder; name a file");
        }
        if (!a.isRegularFile()) {
            throw FileAccessException.refused("cannot write", abs, "it exists and is not a regular file"
                    + " (a pipe, device or socket); name a regular file");
        }
        for (Path in : expand(inputs)) {
            if (isSameFile(abs, in)) {
                throw FileAccessException.refused("refusing to write", abs, "it is " + describeInput(abs, in)
                        + "; choose another output file");
            }
        }
    }

    /**
     * Checks, before the work, every output file a command was given ({@code null} entries are options not given):
     * each as {@link #checkWritable(Path, Collection)}, and no two naming the same file.
     *
     * @throws FileAccessException naming the first output that cannot be written
     */
    public static void checkWritable(Collection<Path> inputs, Path... targets) {
        List<Path> seen = new ArrayList<>();
        for (Path t : targets) {
            if (t == null) {
                continue;
            }
            Path abs = t.toAbsolutePath().normalize();
            if (seen.contains(abs)) {
                throw FileAccessException.refused("cannot write", abs, "it is named as two outputs; give two files");
            }
            seen.add(abs);
            checkWritable(abs, inputs);
        }
    }

    /** The inputs, with each folder replaced by the files directly inside it (a model folder's files). */
    private static List<Path> expand(Collection<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (in == null) {
                continue;
            }
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.list(in)) {
                    s.forEach(files::add);
                } catch (IOException e) {
                    // an unreadable folder: the command's read of it reports that
                }
            } else {
                files.add(in);
            }
        }
        return files;
    }

    private static String describeInput(Path target, Path input) {
        Path in = input.toAbsolutePath().normalize();
        return in.equals(target) ? "an input of this command"
                : "the input " + in + " of this command (the same file, through a link)";
    }

    /** True when both exist and are the same file (same device and inode: through symbolic and hard links). */
    static boolean isSameFile(Path a, Path b) {
        try {
            return Files.exists(b, LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
