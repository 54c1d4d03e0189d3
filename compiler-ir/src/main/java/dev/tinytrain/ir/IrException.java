package dev.tinytrain.ir;

/** Base class of every error that tinytrain reports about a graph, a model file or IR text. */
public class IrException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public IrException(String message) {
        super(message);
    }

    /** Creates the exception with a cause. */
    public IrException(String message, Throwable cause) {
        super(message, cause);
    }
}
