package dev.tinytrain.golden;

import dev.tinytrain.ir.IrException;

/** A golden file that does not follow {@code tinytrain-golden/1}; the message names the file and field. */
public class GoldenFormatException extends IrException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public GoldenFormatException(String message) {
        super(message);
    }
}
