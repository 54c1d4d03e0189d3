package dev.tinytrain.tflite;

import dev.tinytrain.ir.importer.ModelFormatException;
import java.nio.file.Path;

/**
 * A {@code .tflite} file tinytrain does not import: another operator, int16 or float activations, dynamic shapes,
 * several subgraphs, options the TFLite integer kernels here do not follow. The message names the file, the
 * operator (BUILTIN name and index in the subgraph's execution order) or tensor, and what is unsupported.
 */
public class UnsupportedTfliteException extends ModelFormatException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param file the model file
     * @param where the operator ({@code operator 12 (CONV_2D)}) or tensor at fault
     * @param message what is not supported
     */
    public UnsupportedTfliteException(Path file, String where, String message) {
        super(file, where, message);
    }
}
