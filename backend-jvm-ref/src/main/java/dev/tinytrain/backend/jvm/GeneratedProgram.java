package dev.tinytrain.backend.jvm;

/** The interface of the class generated for a graph: one method that runs every scheduled op on the arena. */
public interface GeneratedProgram {

    /** Runs the program once on {@code arena}. */
    void run(byte[] arena);
}
