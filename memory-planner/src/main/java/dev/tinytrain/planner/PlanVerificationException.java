package dev.tinytrain.planner;

/**
 * A placement violates an invariant: two buffers live at a common step share a byte, an offset is
 * misaligned or negative, a buffer is missing or unknown, or a buffer reaches beyond the arena.
 */
public final class PlanVerificationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String firstBuffer;
    private final String secondBuffer;

    /**
     * @param firstBuffer the offending buffer
     * @param secondBuffer the buffer it collides with, or {@code null} for single-buffer violations
     * @param message the full description, naming the buffer(s)
     */
    public PlanVerificationException(String firstBuffer, String secondBuffer, String message) {
        super(message);
        this.firstBuffer = firstBuffer;
        this.secondBuffer = secondBuffer;
    }

    /** @return the offending buffer (for an overlap, the one that comes first in the buffer list) */
    public String firstBuffer() {
        return firstBuffer;
    }

    /** @return the other buffer of an overlap, or {@code null} if the violation concerns one buffer */
    public String secondBuffer() {
        return secondBuffer;
    }
}
