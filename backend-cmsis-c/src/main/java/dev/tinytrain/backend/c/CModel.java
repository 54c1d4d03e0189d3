package dev.tinytrain.backend.c;

import dev.tinytrain.fileio.OutputFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An emitted C model: the generated files ({@code tt_model.h/.c}, {@code tt_model.mk}, {@code tt_example_main.c},
 * {@code README.md}) plus, when written, the runtime ({@link CRuntime}) and its test harness.
 *
 * @param name the graph's name
 * @param training a training step (else a forward graph)
 * @param generated the generated files by name
 * @param state the layout of the trainable state blob
 * @param arenaBytes the arena size
 * @param trainableSramBytes SRAM of trained parameter storage and master copies
 * @param profiledOps per step function ({@code tt_train_step}, {@code tt_infer}, {@code tt_forward}): the names of
 *     the nodes it calls, in order; a build with {@code TT_PROFILE_OPS} counts one benchmark region per node
 */
public record CModel(String name, boolean training, Map<String, String> generated, CStateLayout state,
                     long arenaBytes, long trainableSramBytes, Map<String, List<String>> profiledOps) {

    /** Copies the maps. */
    public CModel {
        generated = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(generated));
        profiledOps = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(profiledOps));
    }

    /** Every file of the folder: runtime, harness and generated, by relative path. */
    public Map<String, String> files() {
        Map<String, String> all = new LinkedHashMap<>();
        for (String f : CRuntime.FILES) {
            all.put(f, CRuntime.read(f));
        }
        for (String f : CRuntime.HARNESS_FILES) {
            all.put(f, CRuntime.read(f));
        }
        all.putAll(generated);
        return all;
    }

    /** SHA-256 over every file's name and contents: equal folders have equal digests (build caches key on it). */
    public String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> e : files().entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the folder atomically through {@link OutputFolder}: into a staging folder beside {@code dir}, which
     * is then renamed to {@code dir}. An existing {@code dir} is replaced only when tinytrain wrote it and it holds
     * nothing else (its {@code tinytrain.manifest} lists every entry), so a user's folder is never deleted. Readers
     * see the old folder or the complete new one; on error nothing is left behind.
     *
     * @return {@code dir}
     * @throws UncheckedIOException when a file cannot be written or {@code dir} must not be replaced (the message
     *     says why)
     */
    public Path writeTo(Path dir) {
        Path target = dir.toAbsolutePath().normalize();
        // build/ is where the generated Makefile puts its objects and images: tinytrain's too
        OutputFolder.replace(target, List.of(), List.of("build"), tmp -> {
            for (Map.Entry<String, String> e : files().entrySet()) {
                Path f = tmp.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.writeString(f, e.getValue(), StandardCharsets.UTF_8);
            }
        });
        return target;
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** The part of the folder's README that does not depend on the model. */
    static final String README = """

            ## Files

            | file | what |
            |---|---|
            | `tt_model.h`, `tt_model.c` | the model: parameters (frozen `const` in Flash; trainable channels, biases, head and master copies in SRAM), constant tables, one static arena of the planned size, `tt_train_step` / `tt_infer` (or `tt_forward`), state accessors |
            | `tt_kernels.h`, `tt_kernels.c` | the portable C99 kernels, bit-identical to tinytrain's JVM reference (float32 only, no heap, no libm transcendentals) |
            | `Makefile`, `tt_model.mk` | `make host` (gcc), `make m7` (arm-none-eabi-gcc, STM32F746 layout), `make qemu` (emulator, test harness) |
            | `stm32f746.ld` | STM32F746 linker script: FLASH 1 MB at 0x08000000, RAM 320 KB at 0x20000000; the link fails on overflow |
            | `tt_example_main.c` | an example application: replace it with yours |
            | `harness/` | test-only: QEMU mps2-an500 layout, startup with semihosting exit, the model driver used by tinytrain's tests |

            ## Build

                make host                      # build/host/<prog>: gcc -O2 -ffp-contract=off, -std=c99 -Wall -Wextra -Werror
                make m7                        # build/m7/<prog>.elf for the STM32F746, prints the memory usage
                make m7 APP_SRCS=main.c M7_STARTUP="startup_stm32f746xx.s system_stm32f7xx.c"   # your board

            Never build with `-ffast-math` and keep `-ffp-contract=off` (the Makefile sets it): the results are
            then bit-identical on the host, on the Cortex-M7 and on tinytrain's JVM backend.

            ## Flash it to an STM32F746

            tinytrain gives you the model and the kernels; your project gives the board. Add to your firmware:

            1. your vendor's startup and system files (e.g. STM32CubeF7 `startup_stm32f746xx.s`,
               `system_stm32f7xx.c`), which must enable the FPU (CPACR CP10/CP11) before any float instruction runs
               (CubeF7's SystemInit does), and your HAL/clock setup (216 MHz) and camera / sensor drivers;
            2. `tt_model.c`, `tt_kernels.c` and the headers, compiled with the flags of the Makefile's `m7` target
               (`-mcpu=cortex-m7 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard -O2 -ffp-contract=off`);
            3. `stm32f746.ld` (or your own with the same sections; the model needs no heap, and `STACK_SIZE` in
               `tt_model.mk` is the stack the planner reserved);
            4. a main loop: write each image into `tt_input_buffer()`, call `tt_train_step(tt_input_buffer(), label)`
               to learn, `tt_infer(...)` to predict, and `tt_state_save` / `tt_state_load` to keep what it learned
               across resets (e.g. in a Flash sector).

            Leave the FPU in its reset mode (round to nearest, no flush-to-zero). The `harness/` folder is for
            emulation and tests only: its semihosting calls fault on a board without a debugger.
            """;
}
