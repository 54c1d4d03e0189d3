package dev.tinytrain.planner;

/** The Glow allocator corpus file is malformed; the message names the line (and buffer, if any). */
public final class GlowCorpusFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    /**
     * @param lineNumber 1-based line number in the corpus file
     * @param message what is wrong
     */
    public GlowCorpusFormatException(int lineNumber, String message) {
        super("line " + lineNumber + ": " + message);
        this.lineNumber = lineNumber;
    }

    /** @return the 1-based line number of the problem */
    public int lineNumber() {
        return lineNumber;
    }
}
