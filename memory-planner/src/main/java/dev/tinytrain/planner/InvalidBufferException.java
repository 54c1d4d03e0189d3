package dev.tinytrain.planner;

/** A buffer description is unusable: bad size or steps, a duplicate name, or an overflowing size. */
public final class InvalidBufferException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String bufferName;

    /**
     * @param bufferName the offending buffer (may be {@code null} when the name itself is missing)
     * @param message what is wrong; the buffer name is prefixed automatically
     */
    public InvalidBufferException(String bufferName, String message) {
        super("buffer '" + bufferName + "': " + message);
        this.bufferName = bufferName;
    }

    /** @return the name of the offending buffer, or {@code null} if it has none */
    public String bufferName() {
        return bufferName;
    }
}
