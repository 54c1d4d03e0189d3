package dev.tinytrain.dataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A dataset file (IDX, Arrow, permutation, head initialisation, pixel table) does not have the expected
 * format or content.
 *
 * <p>The message always names the file (when there is one) and the field, column or header entry at fault,
 * for example {@code /data/train.arrow: column 'image': expected FixedSizeBinary(784), found Int(32, true)}.
 * {@link #file()} and {@link #field()} give the same information to programs.
 */
public class DatasetFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The file at fault, or null (not serialised: Path is not Serializable). */
    private final transient Path file;
    /** The field, column, header entry or metadata key at fault. */
    private final String field;

    /**
     * Creates an exception.
     *
     * @param file   the file at fault, or {@code null} when the data did not come from a file
     * @param field  the field, column, header entry or metadata key at fault (never {@code null})
     * @param detail what is wrong with it
     */
    public DatasetFormatException(Path file, String field, String detail) {
        this(file, field, detail, null);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param file   the file at fault, or {@code null} when the data did not come from a file
     * @param field  the field, column, header entry or metadata key at fault (never {@code null})
     * @param detail what is wrong with it
     * @param cause  the underlying exception, or {@code null}
     */
    public DatasetFormatException(Path file, String field, String detail, Throwable cause) {
        super(format(file, field, detail), cause);
        this.file = file;
        this.field = Objects.requireNonNull(field, "field");
    }

    private static String format(Path file, String field, String detail) {
        String where = file == null ? "" : file + ": ";
        return where + field + ": " + detail;
    }

    /** @return the file at fault, if the data came from a file */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** @return the field, column, header entry or metadata key at fault */
    public String field() {
        return field;
    }
}
