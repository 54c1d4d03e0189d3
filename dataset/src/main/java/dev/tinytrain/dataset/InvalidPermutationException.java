package dev.tinytrain.dataset;

import java.nio.file.Path;

/**
 * A training-order file is not a permutation of {@code 0..N-1} of the expected length, or its sha256 does
 * not match the one recorded for it.
 */
public class InvalidPermutationException extends DatasetFormatException {
    private static final long serialVersionUID = 1L;

    /**
     * @param file   the permutation file, or {@code null} for an in-memory array
     * @param field  what is at fault ({@code length}, {@code index[i]}, {@code sha256}, ...)
     * @param detail what is wrong
     */
    public InvalidPermutationException(Path file, String field, String detail) {
        super(file, field, detail);
    }
}
