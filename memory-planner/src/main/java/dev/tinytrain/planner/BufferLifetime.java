package dev.tinytrain.planner;

/**
 * A buffer to place in the arena and the steps during which it must keep its contents.
 *
 * <p>The buffer is live over {@code [firstStep, lastStep]}, both inclusive, on a linear schedule. Two
 * buffers conflict (must not share bytes) iff their intervals share a step; a buffer whose last step is
 * {@code t} may reuse the bytes of a buffer whose first step is {@code t + 1}.
 *
 * @param name unique name of the buffer within one planning problem; not blank
 * @param sizeBytes size in bytes, {@code >= 0}; a zero-size buffer occupies no bytes
 * @param firstStep first step at which the buffer is live, {@code >= 0}
 * @param lastStep last step at which the buffer is live, {@code >= firstStep}
 */
public record BufferLifetime(String name, long sizeBytes, int firstStep, int lastStep) {

    /** Validates the fields; throws {@link InvalidBufferException} naming the buffer. */
    public BufferLifetime {
        if (name == null || name.isBlank()) {
            throw new InvalidBufferException(name, "name must not be null or blank");
        }
        if (sizeBytes < 0) {
            throw new InvalidBufferException(name, "size must be >= 0 but is " + sizeBytes);
        }
        if (firstStep < 0) {
            throw new InvalidBufferException(name, "first step must be >= 0 but is " + firstStep);
        }
        if (lastStep < firstStep) {
            throw new InvalidBufferException(
                    name, "last step " + lastStep + " is before first step " + firstStep);
        }
    }

    /**
     * The number of bytes this buffer occupies in an arena with the given alignment: its size rounded
     * up to a multiple of {@code alignment}.
     *
     * @param alignment alignment in bytes, {@code >= 1}
     * @return the aligned size
     * @throws IllegalArgumentException if the alignment is not positive
     * @throws InvalidBufferException if the aligned size does not fit in a {@code long}
     */
    public long alignedSize(int alignment) {
        Alignment.require(alignment);
        long rem = sizeBytes % alignment;
        if (rem == 0) {
            return sizeBytes;
        }
        long padded = sizeBytes + (alignment - rem);
        if (padded < 0) {
            throw new InvalidBufferException(name, "size " + sizeBytes + " overflows when aligned to "
                    + alignment);
        }
        return padded;
    }

    /**
     * @param other another buffer
     * @return {@code true} iff both buffers are live at some common step
     */
    public boolean overlapsInTime(BufferLifetime other) {
        return firstStep <= other.lastStep && other.firstStep <= lastStep;
    }
}
