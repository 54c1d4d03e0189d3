package dev.tinytrain.dataset;

import java.nio.file.Path;

/**
 * An IDX file is malformed: wrong magic number, unsupported element type or rank, dimensions that do not
 * match, truncated data, trailing bytes, or a corrupt gzip stream.
 */
public class IdxFormatException extends DatasetFormatException {
    private static final long serialVersionUID = 1L;

    /**
     * @param file   the IDX file
     * @param field  the header entry at fault ({@code magic}, {@code dims}, {@code data}, {@code gzip}, ...)
     * @param detail what is wrong
     */
    public IdxFormatException(Path file, String field, String detail) {
        super(file, field, detail);
    }

    /**
     * @param file   the IDX file
     * @param field  the header entry at fault
     * @param detail what is wrong
     * @param cause  the underlying exception
     */
    public IdxFormatException(Path file, String field, String detail, Throwable cause) {
        super(file, field, detail, cause);
    }
}
