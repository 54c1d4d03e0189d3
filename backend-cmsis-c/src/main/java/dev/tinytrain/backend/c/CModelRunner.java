package dev.tinytrain.backend.c;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds an emitted model folder with the test harness's model driver ({@code harness/tt_model_driver.c}) and runs
 * command files through it: on the host (gcc, optionally under AddressSanitizer + UBSan) or on the Cortex-M7 under
 * {@code qemu-system-arm -M mps2-an500} (always under {@code timeout}), optionally counting the instructions between
 * the driver's benchmark markers with QEMU's insncount plugin. Used by the tests and by
 * {@code tinytrain verify-golden --backend c-host|c-m7} and {@code tinytrain bench}.
 *
 * <p>Builds are incremental ({@code make}); {@link #materialize} reuses a folder whose files are unchanged, so a
 * model is compiled once per content.
 */
public final class CModelRunner {

    /** Where the driver runs. */
    public enum Platform {
        /** host gcc, exactly the flags of {@code make host} */
        HOST,
        /** host gcc with {@code SANITIZE=1 CHECKS=1}: AddressSanitizer, fatal UBSan, the kernels' checks */
        HOST_SANITIZED,
        /** arm-none-eabi-gcc for the Cortex-M7 (the large emulator layout), run by qemu-system-arm */
        QEMU_M7,
        /**
         * {@link #QEMU_M7} built with {@code TT_PROFILE_OPS}: the benchmark markers around every op call, so a
         * counted run gives one region per op ({@link CModel#profiledOps()} names them) instead of one per step
         */
        QEMU_M7_OPS;

        /** True when the driver runs on the Cortex-M7 under QEMU. */
        public boolean emulated() {
            return this == QEMU_M7 || this == QEMU_M7_OPS;
        }
    }

    static final String DRIVER = "harness/tt_model_driver.c";
    static final String PROG = "tt_driver";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    /** Parallel compile jobs: the model, the kernels and the driver build side by side. */
    static final int JOBS = Math.max(1, Math.min(3, Runtime.getRuntime().availableProcessors()));

    private final Path folder;
    private final Platform platform;
    private final Path executable;
    private final int classes;

    private CModelRunner(Path folder, Platform platform, Path executable, int classes) {
        this.folder = folder;
        this.platform = platform;
        this.executable = executable;
        this.classes = classes;
    }

    /**
     * The folder of {@code model} under {@code cacheRoot}, named by its content digest: written (atomically) when
     * absent, reused as it is (with its build outputs) when present.
     */
    public static Path materialize(CModel model, Path cacheRoot) {
        String safe = model.name().replaceAll("[^A-Za-z0-9_.-]", "_");
        Path dir = cacheRoot.toAbsolutePath().normalize().resolve(safe + "-" + model.digest().substring(0, 16));
        synchronized (lock(dir)) {
            if (!Files.isRegularFile(dir.resolve("tt_model.c"))) {
                model.writeTo(dir);
            }
        }
        return dir;
    }

    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> LOCKS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** One lock per folder: tests may build and write folders from several threads (one make per folder). */
    static Object lock(Path dir) {
        return LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> new Object());
    }

    /** The tools {@code platform} needs. */
    public static List<String> tools(Platform platform) {
        return platform.emulated() ? CTools.QEMU : CTools.HOST;
    }

    /**
     * Builds the driver for {@code platform} in an emitted model folder ({@code make}, incremental).
     *
     * @throws CTools.MissingToolException when a tool is missing
     * @throws CTools.CommandException when the build fails
     */
    public static CModelRunner build(Path folder, Platform platform) {
        CTools.require("the C backend (" + platform + ")", tools(platform));
        List<String> cmd = new ArrayList<>(List.of("make", "--no-print-directory", "-j" + JOBS, "APP_SRCS=" + DRIVER,
                "PROG=" + PROG));
        Path exe;
        switch (platform) {
            case HOST -> {
                cmd.add("host");
                exe = folder.resolve("build/host/" + PROG);
            }
            case HOST_SANITIZED -> {
                cmd.addAll(List.of("host", "SANITIZE=1", "CHECKS=1"));
                exe = folder.resolve("build/host-san-chk/" + PROG);
            }
            case QEMU_M7 -> {
                cmd.addAll(List.of("qemu", "QEMU_LD=harness/mps2_an500_big.ld"));
                exe = folder.resolve("build/qemu/" + PROG + ".elf");
            }
            default -> {
                // its own build folder: only tt_model.o differs, the kernels' object is the QEMU_M7 one
                cmd.addAll(List.of("qemu", "QEMU_LD=harness/mps2_an500_big.ld", "BUILD=build-ops",
                        "EXTRA_CFLAGS=-DTT_PROFILE_OPS=1"));
                exe = folder.resolve("build-ops/qemu/" + PROG + ".elf");
            }
        }
        Path objDir = exe.getParent().resolve("obj");
        String variant = exe.getParent().getFileName().toString(); // host, host-san-chk, qemu
        synchronized (lock(folder)) {
            reuseKernelsObject(folder, objDir, variant);
            CTools.run(folder, BUILD_TIMEOUT, cmd);
            keepKernelsObject(folder, objDir, variant);
        }
        return new CModelRunner(folder, platform, exe, numClasses(folder));
    }

    /**
     * The runtime's kernels are the same in every emitted folder: their object is compiled once per build variant
     * and runtime version and shared, through {@code .objcache/} beside the folders, by every folder built later
     * (copied in before {@code make}, which then finds it newer than its source).
     */
    private static Path kernelsCache(Path folder, String variant) {
        String key = variant + "-" + sha256(CRuntime.read("tt_kernels.c") + "\0" + CRuntime.read("tt_kernels.h") + "\0"
                + CRuntime.read("Makefile")).substring(0, 16);
        return folder.toAbsolutePath().getParent().resolve(".objcache").resolve(key);
    }

    static void reuseKernelsObject(Path folder, Path obj, String variant) {
        Path cached = kernelsCache(folder, variant);
        try {
            if (!Files.exists(obj.resolve("tt_kernels.o")) && Files.isRegularFile(cached.resolve("tt_kernels.o"))) {
                Files.createDirectories(obj);
                Files.copy(cached.resolve("tt_kernels.o"), obj.resolve("tt_kernels.o"));
                if (Files.isRegularFile(cached.resolve("tt_kernels.d"))) {
                    Files.copy(cached.resolve("tt_kernels.d"), obj.resolve("tt_kernels.d"));
                }
            }
        } catch (IOException e) {
            // a cache miss only costs a compile
        }
    }

    static void keepKernelsObject(Path folder, Path obj, String variant) {
        Path cached = kernelsCache(folder, variant);
        try {
            if (!Files.isRegularFile(cached.resolve("tt_kernels.o")) && Files.isRegularFile(obj.resolve("tt_kernels.o"))) {
                Path tmp = cached.resolveSibling(cached.getFileName() + ".tmp-" + UUID.randomUUID());
                Files.createDirectories(tmp);
                Files.copy(obj.resolve("tt_kernels.o"), tmp.resolve("tt_kernels.o"));
                if (Files.isRegularFile(obj.resolve("tt_kernels.d"))) {
                    Files.copy(obj.resolve("tt_kernels.d"), tmp.resolve("tt_kernels.d"));
                }
                try {
                    Files.move(tmp, cached, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    CModel.deleteRecursively(tmp);
                }
            }
        } catch (IOException e) {
            // best effort
        }
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int numClasses(Path folder) {
        try {
            Matcher m = Pattern.compile("#define TT_NUM_CLASSES (\\d+)").matcher(
                    Files.readString(folder.resolve("tt_model.h"), StandardCharsets.UTF_8));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The built executable (ELF for QEMU). */
    public Path executable() {
        return executable;
    }

    /** The platform. */
    public Platform platform() {
        return platform;
    }

    // ================================================================================================ commands

    /** A command file for the driver (see {@code tt_model_driver.c}). */
    public static final class Commands {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int count;

        private Commands word(int v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
            return this;
        }

        private Commands cmd(char c) {
            count++;
            return word(c);
        }

        /** One training step. */
        public Commands train(byte[] input, int label) {
            cmd('T').word(label);
            out.writeBytes(input);
            return this;
        }

        /**
         * Sets the learning-rate scale of the following steps ({@code tt_set_lr_scale}; the JVM's
         * {@code TrainingSession.trainStep(input, label, scale)}).
         */
        public Commands lrScale(float scale) {
            return cmd('R').word(Float.floatToRawIntBits(scale));
        }

        /** One training step between the benchmark markers. */
        public Commands benchTrain(byte[] input, int label) {
            cmd('B').word(label);
            out.writeBytes(input);
            return this;
        }

        /** Inference (float32 logits). */
        public Commands infer(byte[] input) {
            cmd('I');
            out.writeBytes(input);
            return this;
        }

        /** Inference between the benchmark markers. */
        public Commands benchInfer(byte[] input) {
            cmd('b');
            out.writeBytes(input);
            return this;
        }

        /** A forward graph's run. */
        public Commands forward(byte[] input) {
            cmd('F');
            out.writeBytes(input);
            return this;
        }

        /** Save the trainable state. */
        public Commands saveState() {
            return cmd('S');
        }

        /** Load a trainable state. */
        public Commands loadState(byte[] blob) {
            cmd('L').word(blob.length);
            out.writeBytes(blob);
            return this;
        }

        /** Every parameter, whole. */
        public Commands parameters() {
            return cmd('P');
        }

        /** Every tap's bytes. */
        public Commands taps() {
            return cmd('A');
        }

        /** The deepest stack use so far (painted stack; Cortex-M7 only, 0 on the host). */
        public Commands stackUsage() {
            return cmd('K');
        }

        byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(out.toByteArray());
            all.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt('E').array());
            return all.toByteArray();
        }
    }

    /**
     * One answer of the driver.
     *
     * @param command the command letter
     * @param loss the loss ('T', 'B')
     * @param logits the logits ('I', 'b')
     * @param blob the saved state ('S')
     * @param rc the return code ('L'), the stack bytes ('K')
     * @param arrays parameters ('P') or taps ('A')
     */
    public record Answer(char command, float loss, float[] logits, byte[] blob, int rc, List<byte[]> arrays) {
    }

    /**
     * The answers of one run.
     *
     * @param answers in command order
     * @param instructions per benchmark region ('B' / 'b' commands, in order), when counted
     * @param seconds wall time of the run
     */
    public record Results(List<Answer> answers, List<Long> instructions, double seconds) {

        /** The answers to one kind of command. */
        public List<Answer> of(char command) {
            return answers.stream().filter(a -> a.command == command).toList();
        }

        /** The losses of the training steps, in order. */
        public List<Float> losses() {
            return answers.stream().filter(a -> a.command == 'T' || a.command == 'B').map(Answer::loss).toList();
        }

        /** The last saved state. */
        public byte[] lastState() {
            List<Answer> s = of('S');
            return s.get(s.size() - 1).blob;
        }
    }

    /** Runs the commands; see {@link #run(Commands, Duration, Path)}. */
    public Results run(Commands commands, Duration timeout) {
        return run(commands, timeout, null);
    }

    /**
     * Runs the commands once.
     *
     * @param insnCountPlugin the built insncount plugin (QEMU only) to count the instructions of each benchmark
     *     region, or null
     * @throws CTools.CommandException when the driver fails, times out, or (sanitized host) prints anything
     */
    public Results run(Commands commands, Duration timeout, Path insnCountPlugin) {
        Path runDir = folder.resolve("run-" + platform.name().toLowerCase(Locale.ROOT) + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.createDirectories(runDir);
            Files.write(runDir.resolve("cmds.bin"), commands.bytes());
            List<String> cmd;
            Map<String, String> env = Map.of();
            if (platform.emulated()) {
                cmd = new ArrayList<>(List.of("timeout", Long.toString(timeout.toSeconds()), "qemu-system-arm", "-M",
                        "mps2-an500", "-cpu", "cortex-m7", "-nographic", "-monitor", "none", "-serial", "none",
                        "-semihosting-config", "enable=on,target=native", "-icount", "shift=0"));
                if (insnCountPlugin != null) {
                    long[] marks = markers();
                    cmd.addAll(List.of("-plugin", insnCountPlugin + ",start=0x" + Long.toHexString(marks[0])
                            + ",stop=0x" + Long.toHexString(marks[1]) + ",out=count.txt"));
                }
                cmd.addAll(List.of("-kernel", executable.toString()));
            } else {
                cmd = List.of(executable.toString());
                if (platform == Platform.HOST_SANITIZED) {
                    env = Map.of("ASAN_OPTIONS", "halt_on_error=1:detect_leaks=1:strict_string_checks=1",
                            "UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
                }
            }
            long t0 = System.nanoTime();
            CTools.Exec r = CTools.exec(runDir, timeout.plusSeconds(15), env, cmd);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (r.exit() != 0) {
                throw new CTools.CommandException(platform + " model driver exited with " + r.exit()
                        + (r.exit() == 124 ? " (timeout after " + timeout.toSeconds() + " s)" : "") + ": "
                        + String.join(" ", cmd) + "\n" + CTools.tail(r.output()));
            }
            if (!platform.emulated() && !r.output().isBlank()) {
                throw new CTools.CommandException(platform + " model driver printed something (a sanitizer "
                        + "report?):\n" + CTools.tail(r.output()));
            }
            List<Answer> answers = parse(Files.readAllBytes(runDir.resolve("results.bin")));
            if (answers.size() != commands.count) {
                throw new CTools.CommandException("the driver answered " + answers.size() + " of " + commands.count
                        + " commands");
            }
            List<Long> counts = new ArrayList<>();
            if (insnCountPlugin != null) {
                Matcher m = Pattern.compile("region \\d+: (\\d+)").matcher(
                        Files.readString(runDir.resolve("count.txt"), StandardCharsets.UTF_8));
                while (m.find()) {
                    counts.add(Long.parseLong(m.group(1)));
                }
            }
            CModel.deleteRecursively(runDir);
            return new Results(answers, counts, seconds);
        } catch (IOException e) {
            throw new UncheckedIOException("running the C model in " + runDir + ": " + e.getMessage(), e);
        }
    }

    /** The addresses of tt_bench_start and tt_bench_stop in the ELF. */
    private long[] markers() {
        String nm = CTools.run(folder, Duration.ofMinutes(1), List.of("arm-none-eabi-nm", executable.toString()));
        long start = -1;
        long stop = -1;
        for (String l : nm.lines().toList()) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 3 && f[2].equals("tt_bench_start")) {
                start = Long.parseLong(f[0], 16);
            } else if (f.length == 3 && f[2].equals("tt_bench_stop")) {
                stop = Long.parseLong(f[0], 16);
            }
        }
        if (start < 0 || stop < 0) {
            throw new CTools.CommandException("no benchmark markers in " + executable);
        }
        return new long[] {start, stop};
    }

    private List<Answer> parse(byte[] bytes) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Answer> out = new ArrayList<>();
        while (true) {
            char c = (char) bb.getInt();
            switch (c) {
                case 'E' -> {
                    return out;
                }
                case 'T', 'B' -> out.add(new Answer(c, Float.intBitsToFloat(bb.getInt()), null, null, 0, null));
                case 'I', 'b' -> {
                    float[] l = new float[classes];
                    for (int i = 0; i < l.length; i++) {
                        l[i] = Float.intBitsToFloat(bb.getInt());
                    }
                    out.add(new Answer(c, 0, l, null, 0, null));
                }
                case 'F', 'R' -> out.add(new Answer(c, 0, null, null, 0, null));
                case 'S' -> {
                    byte[] b = new byte[bb.getInt()];
                    bb.get(b);
                    out.add(new Answer(c, 0, null, b, 0, null));
                }
                case 'L', 'K' -> out.add(new Answer(c, 0, null, null, bb.getInt(), null));
                case 'P', 'A' -> {
                    int n = bb.getInt();
                    List<byte[]> arrays = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        byte[] b = new byte[bb.getInt()];
                        bb.get(b);
                        arrays.add(b);
                    }
                    out.add(new Answer(c, 0, null, null, 0, arrays));
                }
                default -> throw new CTools.CommandException("bad answer '" + c + "' in results.bin");
            }
        }
    }

    /**
     * Builds the insncount QEMU plugin ({@code ../shared/tools/qemu-insncount/insncount.c}) into {@code outDir}
     * (once).
     */
    public static Path insnCountPlugin(Path source, Path outDir) {
        Path lib = outDir.toAbsolutePath().resolve("libinsncount.so");
        if (!Files.isRegularFile(lib)) {
            CTools.require("the instruction counter", List.of("gcc"));
            CTools.run(outDir.toAbsolutePath(), Duration.ofMinutes(1), List.of("gcc", "-O2", "-shared", "-fPIC",
                    "-fvisibility=hidden", "-o", lib.toString(), source.toAbsolutePath().toString()));
        }
        return lib;
    }
}
