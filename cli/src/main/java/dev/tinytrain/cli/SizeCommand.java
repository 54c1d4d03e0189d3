package dev.tinytrain.cli;

import dev.tinytrain.backend.c.CImage;
import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CTools;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.MemoryReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tinytrain size}: emits a model's training step as C, links it for the STM32F746 ({@code make m7}) and prints
 * the measured Flash and static SRAM of the image next to the planner's figures.
 */
@Command(name = "size", mixinStandardHelpOptions = true,
        description = "Link the emitted C for the STM32F746 and print its measured Flash and static SRAM next to the "
                + "planner's figures.")
final class SizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "tinytrain-mcu-model/1 folder, or a full-integer .tflite file")
    Path model;

    @Option(names = "--scheme", required = true, paramLabel = "NAME", description = "sparse-update preset, e.g. "
            + "mcunet-99kb")
    String scheme;

    @Option(names = "--rounding", defaultValue = "stochastic", paramLabel = "MODE",
            description = "nearest_even, stochastic or float_master (default: ${DEFAULT-VALUE})")
    String rounding;

    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate (default: ${DEFAULT-VALUE})")
    float lr;

    @Option(names = "--classes", defaultValue = "10", description = "classes of the transfer head (default: "
            + "${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--out", paramLabel = "DIR", description = "write the C folder here (default: a folder of the C "
            + "cache, named by its content)")
    Path out;

    @Option(names = "--c-cache", paramLabel = "DIR", description = "cache of emitted C models (default: "
            + "tinytrain.c.cache, else <tmp>/tinytrain-c-cache)")
    Path cCache;

    @Override
    public Integer call() {
        CompiledModel c = CModels.compile(model, scheme, rounding, lr, classes);
        CModel m = c.toC(CModels.weightsSha256(model));
        Path folder = out != null ? m.writeTo(out) : CModelRunner.materialize(m, CModels.cache(cCache));
        CImage image;
        try {
            image = CImage.link(folder);
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("cannot link the STM32F746 image of " + folder + ": " + e.getMessage(), e);
        }
        MemoryReport r = c.report();
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%s, scheme %s, rounding %s: STM32F746 image %s%n", r.model(), scheme, rounding,
                image.elf());
        o.printf(Locale.ROOT, "%-38s %14s %14s %14s%n", "", "planner", "linked image", "budget");
        o.printf(Locale.ROOT, "%-38s %,12d B %,12d B %,12d B%n", "static SRAM (data + bss + stack)",
                r.sramTotalBytes(), image.ramBytes(), CImage.RAM_BYTES);
        o.printf(Locale.ROOT, "%-38s %,12d B%n", "  arena", r.arenaBytes());
        o.printf(Locale.ROOT, "%-38s %,12d B %,12d B%n", "  trainable parameters and masters",
                r.trainableWeightBytes() + r.biasBytes() + r.headBytes() + r.masterBytes(), m.trainableSramBytes());
        o.printf(Locale.ROOT, "%-38s %,12d B%n", "  stack (reserved)", r.stackBytes());
        o.printf(Locale.ROOT, "%-38s %,12d B %,12d B %,12d B%n", "Flash (text + rodata + data image)",
                r.flashBytes(), image.flashBytes(), CImage.FLASH_BYTES);
        o.printf(Locale.ROOT, "%-38s %,12d B %,12d B%n", "  frozen parameters + constants / .rodata",
                r.frozenWeightBytes() + r.frozenBiasBytes() + r.constantBytes(), image.rodata());
        o.printf(Locale.ROOT, "%-38s %,12d B %,12d B%n", "  code (planner: estimate) / .text",
                r.codeBytes(), image.code());
        o.printf(Locale.ROOT, "%-38s %14s %,12d B%n", "  initial values of SRAM data / .data", "", image.data());
        o.printf(Locale.ROOT, "(arm-none-eabi-size: text %,d B, data %,d B, bss %,d B)%n", image.text(), image.data(),
                image.bss());
        o.printf(Locale.ROOT, "double-precision instructions: %s%n", image.f64Instructions().isEmpty() ? "none"
                : image.f64Instructions().size() + " (the STM32F746 FPU is single precision!)");
        boolean fits = image.fitsStm32f746();
        o.printf(Locale.ROOT, "%s%n", fits ? "fits the STM32F746" : "does NOT fit the STM32F746");
        o.flush();
        return fits ? 0 : 1;
    }
}
