package dev.tinytrain.backend.c;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The external tools the C backend drives (make, gcc, arm-none-eabi-gcc, qemu-system-arm), and running them. */
public final class CTools {

    /** What Debian 12 needs for the Cortex-M7 tools. */
    public static final String APT_HINT = "apt-get install -y --no-install-recommends gcc make gcc-arm-none-eabi "
            + "libnewlib-arm-none-eabi qemu-system-arm";

    /** Tools of a host build. */
    public static final List<String> HOST = List.of("make", "gcc");
    /** Tools of a Cortex-M7 build. */
    public static final List<String> M7 = List.of("make", "arm-none-eabi-gcc", "arm-none-eabi-size",
            "arm-none-eabi-objdump", "arm-none-eabi-nm");
    /** Tools of a Cortex-M7 run under emulation. */
    public static final List<String> QEMU = List.of("make", "arm-none-eabi-gcc", "arm-none-eabi-nm", "qemu-system-arm",
            "timeout");

    private CTools() {
    }

    /** A tool is missing: the message names it and how to install it. */
    public static final class MissingToolException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        MissingToolException(String message) {
            super(message);
        }
    }

    /** A build or run failed: the message holds the command and its output. */
    public static final class CommandException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CommandException(String message) {
            super(message);
        }
    }

    /** The tools of {@code tools} that are not on the PATH. */
    public static List<String> missing(List<String> tools) {
        List<String> m = new ArrayList<>();
        for (String t : tools) {
            if (!onPath(t)) {
                m.add(t);
            }
        }
        return m;
    }

    /** Throws {@link MissingToolException} naming what {@code purpose} lacks. */
    public static void require(String purpose, List<String> tools) {
        List<String> m = missing(tools);
        if (!m.isEmpty()) {
            throw new MissingToolException(purpose + " needs " + m + " on the PATH (Debian 12: " + APT_HINT + ")");
        }
    }

    static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    /** A finished process: exit code and combined output. */
    public record Exec(int exit, String output) {
    }

    /** Runs {@code cmd} in {@code cwd}; stdout and stderr combined; killed after {@code timeout}. */
    public static Exec exec(Path cwd, Duration timeout, Map<String, String> env, List<String> cmd) {
        try {
            Files.createDirectories(cwd);
            Path log = Files.createTempFile(cwd, ".exec-", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    throw new CommandException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", cmd)
                            + "\n" + tail(Files.readString(log, StandardCharsets.UTF_8)));
                }
                return new Exec(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + cmd, e);
        }
    }

    /** Runs {@code cmd} and throws {@link CommandException} unless it exits with 0. */
    public static String run(Path cwd, Duration timeout, List<String> cmd) {
        Exec r = exec(cwd, timeout, Map.of(), cmd);
        if (r.exit() != 0) {
            throw new CommandException(String.join(" ", cmd) + " (in " + cwd + ") exited with " + r.exit() + ":\n"
                    + tail(r.output()));
        }
        return r.output();
    }

    /** The last 60 lines of a tool's output (compiler errors can be long). */
    static String tail(String s) {
        List<String> lines = s.lines().toList();
        return lines.size() <= 60 ? s : "...\n" + String.join("\n", lines.subList(lines.size() - 60, lines.size()));
    }
}
