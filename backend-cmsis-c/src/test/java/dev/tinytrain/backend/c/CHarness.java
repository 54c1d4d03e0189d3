package dev.tinytrain.backend.c;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * Builds the conformance driver with the C runtime through the runtime's own {@code Makefile}, runs it on host
 * gcc (optionally under AddressSanitizer + UBSan) or on the Cortex-M7 under QEMU, and compares what it hands back
 * with the JVM kernels' results, byte for byte.
 *
 * <p>Data exchange: the Java side writes {@code cases.bin}; the driver reads it and writes {@code results.bin}
 * (stdio files on the host, semihosting files under QEMU, which opens them relative to its working directory).
 * One build per test class, many cases per run.
 *
 * <p>Tools: when a needed tool (gcc, make, arm-none-eabi-gcc, qemu-system-arm, ...) is missing, the tests are
 * skipped with a message naming it, except when the environment variable {@code CI} is set: then they fail.
 */
final class CHarness {

    /** Where a driver runs. */
    enum Platform {
        /** host gcc, -O2, exactly the flags users get from {@code make host} */
        HOST,
        /** host gcc with {@code SANITIZE=1 CHECKS=1}: AddressSanitizer, UBSan (fatal) and the kernels' TT_ASSERTs */
        HOST_SANITIZED,
        /** arm-none-eabi-gcc for the Cortex-M7, emulator layout, run by qemu-system-arm -M mps2-an500 */
        QEMU_M7,
        /** {@link #QEMU_M7} with {@code -DTT_PORTABLE}: the portable C loops instead of the DSP (SMLAD) ones */
        QEMU_M7_PORTABLE;

        boolean emulated() {
            return this == QEMU_M7 || this == QEMU_M7_PORTABLE;
        }
    }

    static final String APT_PACKAGES =
            "apt-get install -y --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm";

    /** Buffer pool of the driver under QEMU ({@code TTC_POOL_BYTES} in the driver). */
    static final long QEMU_POOL_BYTES = 272L * 1024;

    static final String DRIVER = "tt_conformance_driver.c";
    static final String PROG = "tt_conformance";

    /** One build of the kernels and the driver: the sanitized -O2 build of tt_kernels.c takes about 15 s of CPU,
     *  and minutes of wall time on a loaded 2-core machine. */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);

    final Platform platform;
    final Path dir;
    private final Path executable;
    private int runs;

    private CHarness(Platform platform, Path dir, Path executable) {
        this.platform = platform;
        this.dir = dir;
        this.executable = executable;
    }

    // --------------------------------------------------------------------------------------------- tools

    /**
     * Skips the calling test (or class, from {@code @BeforeAll}) when a tool is missing, or fails it when
     * {@code CI} is set.
     */
    static void requireTools(String purpose, String... tools) {
        List<String> missing = missingTools(tools);
        if (missing.isEmpty()) {
            return;
        }
        String msg = purpose + " needs " + missing + " on the PATH (Debian 12: apt-get install -y "
                + "--no-install-recommends gcc make " + APT_PACKAGES.substring(APT_PACKAGES.indexOf("gcc-arm")) + ")";
        if (System.getenv("CI") != null) {
            fail(msg + " [failing, not skipping, because the environment variable CI is set]");
        }
        Assumptions.abort(msg + " [skipped; set CI to turn this into a failure]");
    }

    /** @return the tools that are not on the PATH */
    static List<String> missingTools(String... tools) {
        List<String> missing = new ArrayList<>();
        for (String t : tools) {
            if (!onPath(t)) {
                missing.add(t);
            }
        }
        return missing;
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

    static String[] toolsFor(Platform p) {
        return switch (p) {
            case HOST, HOST_SANITIZED -> new String[] {"gcc", "make"};
            case QEMU_M7, QEMU_M7_PORTABLE -> new String[] {"make", "arm-none-eabi-gcc", "qemu-system-arm", "timeout"};
        };
    }

    static void requireTools(Platform p) {
        requireTools(p.emulated() ? "Cortex-M7 conformance under QEMU" : "host C conformance", toolsFor(p));
    }

    /** Builds the driver once per test class when the tools are there (else null: {@link #requireTools} then
     * skips or fails each test, so every test reports the reason). */
    static CHarness buildIfToolsPresent(Platform p) {
        return missingTools(toolsFor(p)).isEmpty() ? build(p) : null;
    }

    // --------------------------------------------------------------------------------------------- build

    /** A fresh folder under {@code target/c-conformance/} holding the runtime (with harness) and the driver. */
    static Path stage(String name) {
        Path dir = Path.of("target", "c-conformance", name).toAbsolutePath();
        deleteRecursively(dir);
        try {
            Files.createDirectories(dir);
            CRuntime.writeTo(dir.resolve("runtime"), true);
            try (InputStream in = CHarness.class.getResourceAsStream("/dev/tinytrain/backend/c/conformance/" + DRIVER)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource " + DRIVER);
                }
                Files.write(dir.resolve(DRIVER), in.readAllBytes());
            }
            Files.writeString(dir.resolve("tt_conformance_ids.h"), CKernel.idsHeader());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** {@code make -f runtime/Makefile <args>} in {@code dir}; returns the output, fails the test on error. */
    static String make(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("make", "--no-print-directory", "-f", "runtime/Makefile"));
        cmd.addAll(List.of(args));
        Exec r = exec(dir, BUILD_TIMEOUT, Map.of(), cmd);
        if (r.exit != 0) {
            fail("build failed (" + String.join(" ", cmd) + " in " + dir + "), exit " + r.exit + ":\n" + r.output);
        }
        return r.output;
    }

    /** Builds the driver for {@code platform}; skips or fails (under CI) when a tool is missing. */
    static CHarness build(Platform platform) {
        requireTools(platform);
        Path dir = stage(platform.name().toLowerCase(Locale.ROOT));
        String app = "APP_SRCS=" + DRIVER;
        String prog = "PROG=" + PROG;
        return switch (platform) {
            case HOST -> {
                make(dir, "host", app, prog);
                yield new CHarness(platform, dir, dir.resolve("build/host/" + PROG));
            }
            case HOST_SANITIZED -> {
                make(dir, "host", app, prog, "SANITIZE=1", "CHECKS=1");
                yield new CHarness(platform, dir, dir.resolve("build/host-san-chk/" + PROG));
            }
            case QEMU_M7 -> {
                make(dir, "qemu", app, prog);
                yield new CHarness(platform, dir, dir.resolve("build/qemu/" + PROG + ".elf"));
            }
            case QEMU_M7_PORTABLE -> {
                make(dir, "qemu", app, prog, "EXTRA_CFLAGS=-DTT_PORTABLE=1");
                yield new CHarness(platform, dir, dir.resolve("build/qemu/" + PROG + ".elf"));
            }
        };
    }

    // --------------------------------------------------------------------------------------------- run

    /** A driver's answer for one case. */
    record Result(int retBits, List<byte[]> blobs) {
    }

    /** Runs the cases in one driver invocation and returns the driver's buffers. */
    List<Result> run(List<CCase> cases) {
        if (platform.emulated()) {
            for (CCase c : cases) {
                if (c.payloadBytes() > QEMU_POOL_BYTES) {
                    throw new IllegalArgumentException(c + " needs " + c.payloadBytes() + " bytes, more than the "
                            + "emulator driver's pool of " + QEMU_POOL_BYTES);
                }
            }
        }
        Path runDir = dir.resolve("run-" + (++runs));
        try {
            deleteRecursively(runDir);
            Files.createDirectories(runDir);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (CCase c : cases) {
                c.writeTo(out);
            }
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(CCase.MAGIC_END).array());
            Files.write(runDir.resolve("cases.bin"), out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = switch (platform) {
            case HOST, HOST_SANITIZED -> List.of(executable.toString());
            case QEMU_M7, QEMU_M7_PORTABLE -> List.of("timeout", Long.toString(RUN_TIMEOUT.toSeconds()), "qemu-system-arm",
                    "-M", "mps2-an500", "-cpu", "cortex-m7", "-nographic", "-monitor", "none", "-serial", "none",
                    "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
                    "-kernel", executable.toString());
        };
        Map<String, String> env = platform == Platform.HOST_SANITIZED
                ? Map.of("ASAN_OPTIONS", "halt_on_error=1:detect_leaks=1:strict_string_checks=1",
                        "UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
                : Map.of();
        Exec r = exec(runDir, RUN_TIMEOUT.plusSeconds(10), env, cmd);
        if (r.exit != 0) {
            fail(platform + " driver exited with " + r.exit + " (" + String.join(" ", cmd) + " in " + runDir + "):\n"
                    + r.output);
        }
        if (!platform.emulated() && !r.output.isBlank()) {
            fail(platform + " driver printed something (a sanitizer report?):\n" + r.output);
        }
        try {
            return parse(Files.readAllBytes(runDir.resolve("results.bin")), cases.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Result> parse(byte[] bytes, int expectedCases) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Result> results = new ArrayList<>();
        while (true) {
            int magic = bb.getInt();
            if (magic == CCase.MAGIC_END) {
                break;
            }
            if (magic != CCase.MAGIC_RESULT) {
                fail("bad results.bin record " + Integer.toHexString(magic));
            }
            int index = bb.getInt();
            if (index != results.size()) {
                fail("results.bin out of order: " + index + " after " + results.size());
            }
            int n = bb.getInt();
            int ret = bb.getInt();
            List<byte[]> blobs = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                int len = bb.getInt();
                if (len == CCase.NULL_BLOB) {
                    blobs.add(null);
                } else {
                    byte[] b = new byte[len];
                    bb.get(b);
                    blobs.add(b);
                }
            }
            results.add(new Result(ret, blobs));
        }
        if (results.size() != expectedCases) {
            fail("driver answered " + results.size() + " of " + expectedCases + " cases");
        }
        return results;
    }

    /** Runs the cases and asserts that every buffer and return value equals the JVM kernels' bytes. */
    void assertConforms(List<CCase> cases) {
        List<Result> results = run(cases);
        List<String> problems = new ArrayList<>();
        int failing = 0;
        for (int i = 0; i < cases.size(); i++) {
            String p = compare(cases.get(i), results.get(i));
            if (p != null) {
                failing++;
                if (problems.size() < 8) {
                    problems.add("case #" + i + " " + p);
                }
            }
        }
        if (failing > 0) {
            fail(platform + ": " + failing + " of " + cases.size() + " cases differ from the JVM kernels:\n"
                    + String.join("\n", problems));
        }
    }

    private static String compare(CCase c, Result r) {
        StringBuilder sb = new StringBuilder();
        if (c.expectedRet != null && c.expectedRet != r.retBits) {
            sb.append("\n  return value: JVM 0x").append(Integer.toHexString(c.expectedRet))
                    .append(" (").append(Float.intBitsToFloat(c.expectedRet)).append("f / ").append(c.expectedRet)
                    .append(") C 0x").append(Integer.toHexString(r.retBits)).append(" (")
                    .append(Float.intBitsToFloat(r.retBits)).append("f / ").append(r.retBits).append(')');
        }
        if (r.blobs.size() != c.expected.size()) {
            return c + ": driver returned " + r.blobs.size() + " buffers, expected " + c.expected.size();
        }
        for (int k = 0; k < c.expected.size(); k++) {
            byte[] e = c.expected.get(k);
            byte[] a = r.blobs.get(k);
            String name = k < c.kernel.blobNames.size() ? c.kernel.blobNames.get(k) : "blob" + k;
            if (e == null || a == null) {
                if (e != a) {
                    sb.append("\n  ").append(name).append(": null in only one of JVM / C");
                }
                continue;
            }
            if (e.length != a.length) {
                sb.append("\n  ").append(name).append(": length ").append(a.length).append(", expected ").append(e.length);
                continue;
            }
            int diffs = 0;
            StringBuilder first = new StringBuilder();
            for (int i = 0; i < e.length; i++) {
                if (e[i] != a[i]) {
                    if (diffs < 4) {
                        int w = i & ~3;
                        first.append("\n    byte ").append(i).append(": JVM ").append(e[i]).append(", C ").append(a[i]);
                        if (w + 4 <= e.length) {
                            float fe = ByteBuffer.wrap(e, w, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
                            float fa = ByteBuffer.wrap(a, w, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
                            first.append(" (word at ").append(w).append(" as float32: JVM ").append(fe)
                                    .append(", C ").append(fa).append(')');
                        }
                    }
                    diffs++;
                }
            }
            if (diffs > 0) {
                sb.append("\n  ").append(name).append(": ").append(diffs).append(" of ").append(e.length)
                        .append(" bytes differ").append(first);
            }
        }
        return sb.length() == 0 ? null : c.toString() + sb;
    }

    // --------------------------------------------------------------------------------------------- processes

    record Exec(int exit, String output) {
    }

    static Exec exec(Path cwd, Duration timeout, Map<String, String> env, List<String> cmd) {
        try {
            Files.createDirectories(cwd);
            Path log = Files.createTempFile(cwd, "exec-", ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + timeout + ": " + String.join(" ", cmd) + "\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return new Exec(p.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
