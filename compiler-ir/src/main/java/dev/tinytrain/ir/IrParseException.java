package dev.tinytrain.ir;

/** Malformed IR JSON or text: a missing or mistyped field, an unknown op, an undefined value. */
public class IrParseException extends IrException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public IrParseException(String message) {
        super(message);
    }

    /** Creates the exception with a cause. */
    public IrParseException(String message, Throwable cause) {
        super(message, cause);
    }
}
