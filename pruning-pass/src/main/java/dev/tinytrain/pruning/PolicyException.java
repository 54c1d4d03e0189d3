package dev.tinytrain.pruning;

import dev.tinytrain.ir.IrException;

/**
 * A sparse-update policy that cannot be read or applied: a malformed policy file, a conv index or layer name the
 * model does not have, a ratio outside (0, 1], an explicit channel out of range or listed twice, a weight outside
 * the bias window, a preset written for another model. The message names the field or layer at fault.
 */
public class PolicyException extends IrException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public PolicyException(String message) {
        super(message);
    }

    /** Creates the exception with a cause. */
    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
