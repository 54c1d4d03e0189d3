package dev.tinytrain.compiler.output;

import dev.tinytrain.ir.IrException;

/**
 * An input of a compile run that cannot be used: a model that is neither a folder, an IR JSON file nor a zoo
 * name, a head-init file that does not fit, an output folder that must not be replaced. The message says which
 * and why.
 */
public class CompileInputException extends IrException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public CompileInputException(String message) {
        super(message);
    }

    /** Creates the exception with a cause. */
    public CompileInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
