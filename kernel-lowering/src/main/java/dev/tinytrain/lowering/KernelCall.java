package dev.tinytrain.lowering;

import java.util.List;
import java.util.Objects;

/**
 * One scheduled node lowered: the kernel to call and its arguments, each a compile-time constant or a symbolic
 * reference the backend resolves (see {@link KernelArg}). The C printer and the JVM generator both print this one
 * record, so the argument list of every kernel call is written once, by {@link NodeLowering}.
 *
 * @param kernel the kernel
 * @param args its arguments, checked against {@link Kernel#signature()}
 */
public record KernelCall(Kernel kernel, List<KernelArg> args) {

    /** Validates the arguments against the kernel's signature. */
    public KernelCall {
        Objects.requireNonNull(kernel, "kernel");
        args = List.copyOf(args);
        List<ArgKind> sig = kernel.signature();
        if (args.size() != sig.size()) {
            throw new IllegalArgumentException(kernel + " takes " + sig.size() + " arguments, not " + args.size()
                    + ": " + args);
        }
        for (int i = 0; i < args.size(); i++) {
            KernelArg a = args.get(i);
            ArgKind slot = sig.get(i);
            boolean fits = a instanceof KernelArg.Absent ? slot.mayBeAbsent()
                    : a.kind() == slot || slot == ArgKind.OPTIONAL_OFFSET && a.kind() == ArgKind.OFFSET
                    || slot == ArgKind.OPTIONAL_FLOAT_TABLE && a.kind() == ArgKind.FLOAT_TABLE;
            if (!fits) {
                throw new IllegalArgumentException(kernel + " argument " + i + " must be " + slot + ", not " + a);
            }
        }
    }

    /** A call of {@code kernel} with {@code args}. */
    public static KernelCall of(Kernel kernel, KernelArg... args) {
        return new KernelCall(kernel, List.of(args));
    }
}
