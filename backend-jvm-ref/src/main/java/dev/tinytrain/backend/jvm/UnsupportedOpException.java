package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.IrException;

/** A node whose op kind the JVM backend has no kernel for. */
public class UnsupportedOpException extends IrException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public UnsupportedOpException(String message) {
        super(message);
    }
}
