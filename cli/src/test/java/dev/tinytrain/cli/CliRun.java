package dev.tinytrain.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the command line in-process with stdout and stderr captured.
 *
 * @param exit the exit code {@link Main#run} returned
 * @param out  what it printed on stdout
 * @param err  what it printed on stderr
 */
public record CliRun(int exit, String out, String err) {

    /** Runs {@code tinytrain ARGS} in this JVM (not thread-safe: it swaps {@code System.out} and {@code System.err}). */
    public static CliRun run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
