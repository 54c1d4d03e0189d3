package dev.tinytrain.backend.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Cortex-M7 build ({@code make m7}, STM32F746 linker script) of the runtime plus the conformance driver (which
 * calls every kernel): it links inside 1 MB Flash / 320 KB RAM and prints its memory usage; its object code has no
 * double-precision instruction ({@code .f64}: the part's FPU is single precision), no soft-float double helper, no
 * libm transcendental, no heap, and no fused multiply-add except the SGD step's explicit {@code fmaf} (proof that
 * {@code -ffp-contract=off} is in force); and the link fails when RAM or Flash overflows.
 *
 * <p>Needs arm-none-eabi-gcc / binutils / newlib: skipped when missing, failing when {@code CI} is set.
 */
class M7BuildTest {

    private static Path dir;
    private static String makeOutput;
    private static Path elf;
    private static Path kernelsObject;

    private static final String[] TOOLS = {"make", "arm-none-eabi-gcc", "arm-none-eabi-objdump", "arm-none-eabi-nm"};

    @BeforeEach
    void tools() {
        CHarness.requireTools("Cortex-M7 build checks", TOOLS); // skips, or fails under CI, when missing
    }

    @BeforeAll
    static void build() {
        if (!CHarness.missingTools(TOOLS).isEmpty()) {
            return;
        }
        dir = CHarness.stage("m7");
        makeOutput = CHarness.make(dir, "m7", "APP_SRCS=" + CHarness.DRIVER, "PROG=" + CHarness.PROG);
        elf = dir.resolve("build/m7/" + CHarness.PROG + ".elf");
        kernelsObject = dir.resolve("build/m7/obj/tt_kernels.o");
        assertTrue(Files.isRegularFile(elf) && Files.isRegularFile(kernelsObject), makeOutput);
    }

    private static String tool(String... cmd) {
        CHarness.Exec r = CHarness.exec(dir, Duration.ofMinutes(1), Map.of(), List.of(cmd));
        assertEquals(0, r.exit(), String.join(" ", cmd) + ":\n" + r.output());
        return r.output();
    }

    @Test
    void linksForTheStm32f746AndReportsMemoryUsage() {
        assertTrue(makeOutput.contains("Memory region"), makeOutput);
        Matcher flash = Pattern.compile("FLASH:\\s+\\d+ [KMG]?B\\s+1 MB").matcher(makeOutput);
        Matcher ram = Pattern.compile("RAM:\\s+\\d+ [KMG]?B\\s+320 KB").matcher(makeOutput);
        assertTrue(flash.find() && ram.find(), "FLASH 1 MB and RAM 320 KB regions expected:\n" + makeOutput);
        String header = tool("arm-none-eabi-objdump", "-h", elf.toString());
        assertTrue(Pattern.compile("\\.isr_vector\\s+\\S+\\s+08000000").matcher(header).find(),
                "the vector table must sit at the start of Flash, 0x08000000:\n" + header);
    }

    @Test
    void noDoublePrecisionInstructions() {
        for (Path p : List.of(kernelsObject, elf)) {
            String asm = tool("arm-none-eabi-objdump", "-d", p.toString());
            List<String> f64 = asm.lines().filter(l -> l.matches("^\\s+[0-9a-f]+:\\t.*\\.f64\\b.*")).limit(10).toList();
            assertTrue(f64.isEmpty(), p.getFileName() + " contains double-precision instructions:\n"
                    + String.join("\n", f64));
            assertTrue(asm.contains(".f32"), "sanity: single-precision FPU code expected in " + p.getFileName());
        }
    }

    @Test
    void kernelsNeedNoDoubleHelpersNoTranscendentalsNoHeap() {
        Set<String> undefined = new TreeSet<>();
        for (String l : tool("arm-none-eabi-nm", "-u", kernelsObject.toString()).lines().toList()) {
            String t = l.trim();
            if (t.startsWith("U ")) {
                undefined.add(t.substring(2).trim());
            }
        }
        // memcpy/memset (arena access, mask clearing) and int64 -> float (wide conv sums) only;
        // rintf, floorf and fmaf compile to vrintx / vrintm / vfma.f32 on the M7
        Set<String> allowed = Set.of("memcpy", "memset", "__aeabi_l2f");
        List<String> unexpected = undefined.stream().filter(s -> !allowed.contains(s)).toList();
        assertTrue(unexpected.isEmpty(), "tt_kernels.o references " + unexpected + " (allowed: " + allowed + ")");

        String symbols = tool("arm-none-eabi-nm", elf.toString());
        for (String forbidden : List.of("malloc", "free", "expf", "logf", "exp", "log", "powf", "__aeabi_dadd",
                "__aeabi_dmul", "__aeabi_ddiv", "__aeabi_f2d", "__aeabi_d2f")) {
            assertFalse(Pattern.compile("(?m) " + Pattern.quote(forbidden) + "$").matcher(symbols).find(),
                    "the firmware links " + forbidden);
        }
    }

    /**
     * Fused multiply-adds (VFMA and friends, one rounding) only in the SGD step's explicit fmaf; of the chained ones
     * (VMLA and friends: the product rounded, then the sum, the bits of VMUL then VADD) only the VMLA.F32 that the
     * kernels' tt__mla writes on purpose, for a float sum's {@code acc + a * b}.
     */
    @Test
    void noFusedMultiplyAddOutsideTheSgdStep() {
        String asm = tool("arm-none-eabi-objdump", "-d", kernelsObject.toString());
        String function = "?";
        List<String> fused = new ArrayList<>();
        int allowedFused = 0;
        int chained = 0;
        for (String l : asm.lines().toList()) {
            Matcher head = Pattern.compile("^[0-9a-f]+ <([^>]+)>:$").matcher(l);
            if (head.find()) {
                function = head.group(1);
                continue;
            }
            if (l.matches("^\\s+[0-9a-f]+:\\t.*\\tvmla\\.f32.*")) {
                chained++;
            } else if (l.matches("^\\s+[0-9a-f]+:\\t.*\\tv(fma|fms|fnma|fnms|mls|nmla|nmls)\\.f32.*")) {
                // the SGD step's explicit fmaf, also where a fused gradient+update op inlines it
                if (l.matches(".*\\tvf.*")
                        && function.matches("tt_sgd_float|tt_update_.*|tt__update_.*|tt_[a-z0-9_]+_grad_update")) {
                    allowedFused++;
                } else {
                    fused.add(function + ": " + l.trim());
                }
            }
        }
        assertTrue(fused.isEmpty(), "fused or chained multiply-add outside the explicit fmaf of the SGD step and the "
                + "kernels' VMLA (is -ffp-contract=off missing?):\n" + String.join("\n", fused));
        assertNotEquals(0, allowedFused, "sanity: the SGD step's fmaf should compile to vfma/vfms");
        assertNotEquals(0, chained, "sanity: the float backward's sums should use VMLA.F32 on the Cortex-M7");
    }

    @Test
    void linkFailsWhenRamOverflows() {
        CHarness.Exec r = CHarness.exec(dir, Duration.ofMinutes(1), Map.of(), List.of("make", "--no-print-directory",
                "-f", "runtime/Makefile", "m7", "APP_SRCS=" + CHarness.DRIVER, "PROG=" + CHarness.PROG,
                "BUILD=build-ram", "STACK_SIZE=0x40000"));
        assertNotEquals(0, r.exit(), "a 256 KB stack on top of the driver's 272 KB pool must not fit 320 KB");
        assertTrue(r.output().contains("region `RAM' overflowed"), r.output());
    }

    @Test
    void linkFailsWhenFlashOverflows() throws IOException {
        Files.writeString(dir.resolve("big_table.c"), """
                #include <stdint.h>
                const int8_t tt_big_table[1100 * 1024] = {1};
                volatile int32_t tt_index = 12345;
                int main(void);
                int main(void) { return tt_big_table[tt_index]; }
                """);
        CHarness.Exec r = CHarness.exec(dir, Duration.ofMinutes(1), Map.of(), List.of("make", "--no-print-directory",
                "-f", "runtime/Makefile", "m7", "APP_SRCS=big_table.c", "PROG=big", "BUILD=build-flash"));
        assertNotEquals(0, r.exit(), "a 1.1 MB const table must not fit 1 MB of Flash");
        assertTrue(r.output().contains("region `FLASH' overflowed"), r.output());
    }

    @Test
    void kernelsCompileCleanUnderStricterWarnings() {
        // beyond the Makefile's -Wall -Wextra -Werror -Wdouble-promotion -Wvla: ISO pedantry and prototypes
        List<String> strict = List.of("-std=c99", "-pedantic-errors", "-Wall", "-Wextra", "-Werror",
                "-Wdouble-promotion", "-Wvla", "-Wshadow", "-Wstrict-prototypes", "-Wmissing-prototypes",
                "-Wcast-align", "-Wundef", "-ffp-contract=off", "-O2", "-fsyntax-only", "runtime/tt_kernels.c");
        List<String> arm = new ArrayList<>(List.of("arm-none-eabi-gcc", "-mcpu=cortex-m7", "-mthumb",
                "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"));
        arm.addAll(strict);
        CHarness.Exec r = CHarness.exec(dir, Duration.ofMinutes(1), Map.of(), arm);
        assertEquals(0, r.exit(), r.output());
        if (CHarness.onPath("gcc")) {
            List<String> host = new ArrayList<>(List.of("gcc"));
            host.addAll(strict);
            r = CHarness.exec(dir, Duration.ofMinutes(1), Map.of(), host);
            assertEquals(0, r.exit(), r.output());
        }
    }
}
