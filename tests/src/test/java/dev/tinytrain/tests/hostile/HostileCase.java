package dev.tinytrain.tests.hostile;

import java.io.IOException;
import java.util.List;

/**
 * One hostile input: how to build it in an empty folder, the command line to run on it (built by the setup, with
 * absolute paths), the exit code expected, what the message must mention, and the paths (relative to the folder)
 * the run may change; everything else must be left exactly as it was.
 *
 * @param name what the case is, for the test's display name
 * @param setup builds the inputs and returns the arguments
 * @param exit the exit code expected (1 for a rejected input, 2 for a usage error)
 * @param mentions substrings stderr must contain (the file, field or op at fault and the reason)
 * @param mayChange relative paths (prefixes) the run may change
 */
record HostileCase(String name, Setup setup, int exit, List<String> mentions, List<String> mayChange) {

    /** Builds the inputs of a case in its folder and returns the arguments of the command line. */
    @FunctionalInterface
    interface Setup {
        List<String> prepare(Work w) throws IOException;
    }

    static HostileCase rejected(String name, Setup setup, String... mentions) {
        return new HostileCase(name, setup, 1, List.of(mentions), List.of());
    }

    static HostileCase usage(String name, Setup setup, String... mentions) {
        return new HostileCase(name, setup, 2, List.of(mentions), List.of());
    }
}
