package dev.tinytrain.backend.c;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The portable C runtime shipped with every emitted C folder: the kernels ({@code tt_kernels.h/.c}, bit-exact
 * ports of the JVM reference kernels), the {@code Makefile} (targets {@code host}, {@code m7}, {@code m7-lib},
 * {@code qemu}) and the STM32F746 linker script; plus, for tests and emulation only, the {@code harness/}
 * folder (QEMU mps2-an500 layouts, minimal startup, semihosting I/O, the generated-model driver), which is not part
 * of what a user flashes.
 *
 * <p>The files are classpath resources under {@value #RESOURCE_ROOT}.
 */
public final class CRuntime {

    /** Classpath folder of the runtime files. */
    public static final String RESOURCE_ROOT = "/dev/tinytrain/backend/c/runtime/";

    /** Files every emitted folder gets. */
    public static final List<String> FILES = List.of("tt_kernels.h", "tt_kernels.c", "tt_tflite.h", "tt_tflite.c", "Makefile",
            "stm32f746.ld");

    /** Test and emulation harness (QEMU mps2-an500), kept in {@code harness/}. */
    public static final List<String> HARNESS_FILES = List.of(
            "harness/mps2_an500.ld", "harness/mps2_an500_big.ld", "harness/startup_m7.c", "harness/tt_semihost.c",
            "harness/tt_semihost.h", "harness/tt_model_driver.c");

    private CRuntime() {
    }

    /**
     * Reads one runtime file.
     *
     * @param name a name from {@link #FILES} or {@link #HARNESS_FILES}
     * @return its text
     * @throws IllegalArgumentException if there is no such resource
     */
    public static String read(String name) {
        try (InputStream in = CRuntime.class.getResourceAsStream(RESOURCE_ROOT + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no runtime resource " + RESOURCE_ROOT + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read runtime resource " + name, e);
        }
    }

    /**
     * Writes the runtime files into {@code dir} (created if needed), keeping the {@code harness/} sub-folder.
     *
     * @param dir         target folder
     * @param withHarness also write {@link #HARNESS_FILES}
     * @return the paths written
     * @throws UncheckedIOException if a file cannot be written
     */
    public static List<Path> writeTo(Path dir, boolean withHarness) {
        List<String> names = new ArrayList<>(FILES);
        if (withHarness) {
            names.addAll(HARNESS_FILES);
        }
        List<Path> written = new ArrayList<>();
        try {
            for (String name : names) {
                Path target = dir.resolve(name);
                Files.createDirectories(target.getParent());
                Files.writeString(target, read(name), StandardCharsets.UTF_8);
                written.add(target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the C runtime to " + dir, e);
        }
        return written;
    }
}
