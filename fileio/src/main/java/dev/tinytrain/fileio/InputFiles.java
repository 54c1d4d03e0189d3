package dev.tinytrain.fileio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * Reads input files safely: only regular files (following symbolic links) are opened, so a named pipe cannot
 * block a run forever and {@code /dev/zero} cannot fill the heap; a file's size is compared with a limit (or with
 * the size its header declares, by the caller) before anything is allocated; and every failure is a
 * {@link FileAccessException} naming the file and the operating system's reason.
 *
 * <p>The check and the open are two system calls: a file swapped for a pipe between them (by someone who can
 * write the input's folder) is not caught. That is an attack on a folder the user already trusts, not input.
 */
public final class InputFiles {
    /** The largest JSON or text input read whole (model.json, policies, IR JSON, goldens' indexes): 512 MiB. */
    public static final long TEXT_LIMIT = 512L << 20;
    /** The largest binary input read whole into one array (weights, golden data): what one array can hold. */
    public static final long ARRAY_LIMIT = Integer.MAX_VALUE - 16;

    private static final int S_IFMT = 0170000;

    private InputFiles() {
    }

    /**
     * Checks that {@code file} is a regular file and returns its size.
     *
     * @throws FileAccessException when it is missing, unreadable, a folder, a pipe, a device or a socket
     */
    public static long requireRegular(Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw FileAccessException.failed("read", file, e);
        }
        if (a.isRegularFile()) {
            return a.size();
        }
        String kind = a.isDirectory() ? "a folder" : kindOfSpecialFile(file);
        throw FileAccessException.refused("cannot read", file, "it is " + kind + ", not a regular file");
    }

    /**
     * Reads a whole regular file of at most {@code limit} bytes.
     *
     * @throws FileAccessException when it is not a regular file, is larger than {@code limit}, or cannot be read
     */
    public static byte[] readAllBytes(Path file, long limit) {
        long size = requireRegular(file);
        long max = Math.min(limit, ARRAY_LIMIT);
        if (size > max) {
            throw tooLarge(file, size, max);
        }
        try (InputStream in = Files.newInputStream(file)) {
            // read one byte more than the limit: a file that grew since the check is refused, not truncated
            byte[] bytes = in.readNBytes((int) Math.min(max + 1, Math.max(size, 0) + (1 << 16)));
            if (bytes.length > max) {
                throw tooLarge(file, bytes.length, max);
            }
            return bytes;
        } catch (IOException e) {
            throw FileAccessException.failed("read", file, e);
        }
    }

    /**
     * Reads a whole regular file of at most {@code limit} bytes as strict UTF-8 text.
     *
     * @throws FileAccessException as {@link #readAllBytes}, or when the bytes are not valid UTF-8
     */
    public static String readUtf8(Path file, long limit) {
        byte[] bytes = readAllBytes(file, limit);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new FileAccessException("cannot read " + file + ": not valid UTF-8 text", "not valid UTF-8 text", e);
        }
    }

    /**
     * Opens a regular file for streaming (callers that check declared sizes against {@link #requireRegular}'s
     * result as they go).
     *
     * @throws FileAccessException when it is not a regular file or cannot be opened
     */
    public static InputStream open(Path file) {
        requireRegular(file);
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw FileAccessException.failed("read", file, e);
        }
    }

    /** The refusal for a file larger than a limit. */
    public static FileAccessException tooLarge(Path file, long size, long limit) {
        return FileAccessException.refused("cannot read", file, String.format(Locale.ROOT,
                "it is %,d bytes, more than the %,d bytes such a file may have", size, limit));
    }

    /** "a named pipe", "a character device", ... from the POSIX mode where the platform gives it. */
    private static String kindOfSpecialFile(Path file) {
        try {
            Object mode = Files.getAttribute(file, "unix:mode");
            if (mode instanceof Integer m) {
                switch (m & S_IFMT) {
                    case 0010000: return "a named pipe (FIFO)";
                    case 0020000: return "a character device";
                    case 0060000: return "a block device";
                    case 0140000: return "a socket";
                    default: break;
                }
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no POSIX view: the generic words below
        }
        return "a special file";
    }
}
