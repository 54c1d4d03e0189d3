package dev.tinytrain.planner;

/** Validation of the arena alignment, shared by every entry point. */
final class Alignment {
    private Alignment() {
    }

    /** @throws IllegalArgumentException unless {@code alignment >= 1} */
    static void require(int alignment) {
        if (alignment < 1) {
            throw new IllegalArgumentException("alignment must be >= 1 byte but is " + alignment);
        }
    }
}
