package dev.tinytrain.fileio;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The operating system's reason for an {@link IOException}, in words. The JDK's messages for the common cases
 * are only the path ({@code NoSuchFileException: /a/b}), so a message built from {@code getMessage()} says
 * nothing; this names the reason and, when the failing path is another one (a parent folder), that path too.
 */
public final class IoReasons {
    private IoReasons() {
    }

    /** {@code cannot VERB FILE: REASON}, e.g. {@code cannot write /ro/x.json: /ro: permission denied}. */
    public static String describe(String verb, Path file, IOException e) {
        return "cannot " + verb + " " + file + ": " + reason(file, e);
    }

    /** The reason of {@code e}, prefixed by the path it concerns when that differs from {@code file}. */
    public static String reason(Path file, IOException e) {
        String why = reason(e);
        if (e instanceof FileSystemException fs && fs.getFile() != null && file != null
                && !Path.of(fs.getFile()).toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize())) {
            return fs.getFile() + (fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "") + ": " + why;
        }
        return why;
    }

    /** The reason of {@code e} alone. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "folder not empty";
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (e instanceof CharacterCodingException) {
            return "not valid UTF-8 text";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(Locale.ROOT);
        }
        if (e instanceof FileSystemException) {
            return "file system error";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "input/output error" : m;
    }
}
