package dev.tinytrain.ir;

/** A quantization with a scale that is not finite and positive, a zero point outside int8, or a bad axis. */
public class InvalidQuantizationException extends IrException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public InvalidQuantizationException(String message) {
        super(message);
    }
}
