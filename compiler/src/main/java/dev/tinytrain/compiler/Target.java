package dev.tinytrain.compiler;

import java.util.List;
import java.util.Locale;

/**
 * A device to compile for: its SRAM and Flash budgets and the stack the step needs there.
 *
 * @param name the name used on the command line
 * @param sramBytes SRAM budget (arena + trainable state + stack)
 * @param flashBytes Flash budget (frozen parameters and constants + code)
 * @param stackBytes stack reserved for the step (the kernels use a small fixed amount: no recursion, no VLAs)
 * @param codeBytes Flash reserved for code in the estimate (the C backend reports the linked size)
 */
public record Target(String name, long sramBytes, long flashBytes, long stackBytes, long codeBytes) {

    /** STM32F746 (Cortex-M7 at 216 MHz): 320 KB SRAM, 1 MB Flash. */
    public static final Target STM32F746 = new Target("stm32f746", 320L * 1024, 1024L * 1024, 4096, 64 * 1024);
    /** The paper's budget: 256 KB SRAM, 1 MB Flash. */
    public static final Target TTE_256KB = new Target("tte-256kb", 256L * 1024, 1024L * 1024, 4096, 64 * 1024);
    /** A host (JVM or desktop C): no budget. */
    public static final Target HOST = new Target("host", Long.MAX_VALUE, Long.MAX_VALUE, 0, 0);

    /** Validates the sizes. */
    public Target {
        if (sramBytes <= 0 || flashBytes <= 0 || stackBytes < 0 || codeBytes < 0) {
            throw new IllegalArgumentException("target sizes must be positive");
        }
    }

    /** The named targets. */
    public static List<Target> known() {
        return List.of(STM32F746, TTE_256KB, HOST);
    }

    /** Looks a target up by name. */
    public static Target byName(String name) {
        for (Target t : known()) {
            if (t.name.equals(name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown target '" + name + "' (known: "
                + known().stream().map(Target::name).toList() + ")");
    }
}
