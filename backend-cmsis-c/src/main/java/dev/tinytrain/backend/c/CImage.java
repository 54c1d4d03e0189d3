package dev.tinytrain.backend.c;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The linked STM32F746 image of an emitted model folder ({@code make m7}: the model, the kernels, the example
 * application and the minimal startup, linked with {@code stm32f746.ld}), measured: Flash and static SRAM as the
 * linker's {@code --print-memory-usage} reports them (alignment included; SRAM includes the reserved stack), the
 * sections, and the double-precision instructions the image contains (there must be none: the part's FPU is single
 * precision).
 *
 * @param elf the linked image
 * @param flashBytes FLASH used (text + rodata + the .data image)
 * @param ramBytes RAM used (data + bss + the reserved stack)
 * @param text {@code arm-none-eabi-size} text
 * @param data {@code arm-none-eabi-size} data
 * @param bss {@code arm-none-eabi-size} bss
 * @param code the code sections (vector table and .text)
 * @param rodata read-only data (.rodata: frozen parameters, constant tables)
 * @param f64Instructions the lines of {@code objdump -d} with a {@code .f64} instruction
 */
public record CImage(Path elf, long flashBytes, long ramBytes, long text, long data, long bss, long code,
                     long rodata, List<String> f64Instructions) {

    /** FLASH of the STM32F746. */
    public static final long FLASH_BYTES = 1024L * 1024;
    /** RAM (DTCM + SRAM1 + SRAM2) of the STM32F746. */
    public static final long RAM_BYTES = 320L * 1024;

    /**
     * Links the image ({@code make m7}, incremental) and measures it.
     *
     * @throws CTools.CommandException when the link fails, e.g. because a region overflows
     */
    public static CImage link(Path folder) {
        CTools.require("the STM32F746 image", CTools.M7);
        synchronized (CModelRunner.lock(folder)) {
            return linkLocked(folder);
        }
    }

    private static CImage linkLocked(Path folder) {
        CModelRunner.reuseKernelsObject(folder, folder.resolve("build/m7/obj"), "m7");
        String out = CTools.run(folder, Duration.ofMinutes(5), List.of("make", "--no-print-directory",
                "-j" + CModelRunner.JOBS, "m7"));
        CModelRunner.keepKernelsObject(folder, folder.resolve("build/m7/obj"), "m7");
        Path elf = findElf(folder);
        long flash = usage(out, "FLASH");
        long ram = usage(out, "RAM");
        if (flash < 0 || ram < 0) {
            try {
                java.nio.file.Files.deleteIfExists(elf); // relink: the linker prints the usage only when it links
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            out = CTools.run(folder, Duration.ofMinutes(5), List.of("make", "--no-print-directory", "m7"));
            flash = usage(out, "FLASH");
            ram = usage(out, "RAM");
        }
        String size = CTools.run(folder, Duration.ofMinutes(1), List.of("arm-none-eabi-size", elf.toString()));
        String[] f = size.lines().skip(1).findFirst().orElseThrow().trim().split("\\s+");
        List<String> f64 = new ArrayList<>();
        String asm = CTools.run(folder, Duration.ofMinutes(2), List.of("arm-none-eabi-objdump", "-d", elf.toString()));
        for (String l : asm.lines().toList()) {
            if (l.contains(".f64")) {
                f64.add(l.trim());
            }
        }
        long code = 0;
        long rodata = 0;
        String sysv = CTools.run(folder, Duration.ofMinutes(1), List.of("arm-none-eabi-size", "-A", elf.toString()));
        for (String l : sysv.lines().toList()) {
            String[] c = l.trim().split("\\s+");
            if (c.length >= 3 && c[1].matches("\\d+")) {
                switch (c[0]) {
                    case ".isr_vector", ".text" -> code += Long.parseLong(c[1]);
                    case ".rodata" -> rodata += Long.parseLong(c[1]);
                    default -> {
                    }
                }
            }
        }
        return new CImage(elf, flash, ram, Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), code,
                rodata, f64);
    }

    private static Path findElf(Path folder) {
        try (var s = java.nio.file.Files.list(folder.resolve("build/m7"))) {
            return s.filter(p -> p.toString().endsWith(".elf")).findFirst().orElseThrow(
                    () -> new CTools.CommandException("no ELF in " + folder.resolve("build/m7")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The "Used Size" of a region in {@code --print-memory-usage} output, in bytes (-1 when absent). */
    static long usage(String linkerOutput, String region) {
        Matcher m = Pattern.compile("(?m)^\\s*" + region + ":\\s+(\\d+)\\s*([KMG]?B)\\s").matcher(linkerOutput);
        if (!m.find()) {
            return -1;
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "KB" -> v * 1024;
            case "MB" -> v * 1024 * 1024;
            case "GB" -> v * 1024 * 1024 * 1024;
            default -> v;
        };
    }

    /** True when the image fits the STM32F746 (which the link already enforces) and has no .f64 instruction. */
    public boolean fitsStm32f746() {
        return flashBytes <= FLASH_BYTES && ramBytes <= RAM_BYTES && f64Instructions.isEmpty();
    }
}
