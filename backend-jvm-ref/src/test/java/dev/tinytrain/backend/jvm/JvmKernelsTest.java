package dev.tinytrain.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.lowering.ArgKind;
import dev.tinytrain.lowering.Kernel;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kernel's JVM method takes exactly what {@link JvmKernelPrinter} pushes for the kernel's signature: a kernel
 * whose Java signature drifts from its {@link Kernel} declaration fails here, not as a verify error of a generated
 * program.
 */
class JvmKernelsTest {

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void theMethodsParametersAgreeWithTheSignature(Kernel kernel) {
        Method m = JvmKernels.method(kernel);
        assertTrue(Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers()),
                m + " must be public static: the generated program calls it with INVOKESTATIC");
        List<Class<?>> pushed = new ArrayList<>();
        for (ArgKind k : kernel.signature()) {
            pushed.addAll(JvmKernels.parameterTypes(k));
        }
        Class<?>[] declared = m.getParameterTypes();
        assertEquals(pushed.size(), declared.length, kernel + " -> " + m + ": parameter count");
        for (int i = 0; i < declared.length; i++) {
            // exact for kernels; System.arraycopy declares its arrays as Object
            assertTrue(declared[i] == pushed.get(i) || declared[i] == Object.class && !pushed.get(i).isPrimitive(),
                    kernel + " -> " + m + ": parameter " + i + " is " + declared[i].getSimpleName() + ", the signature"
                            + " pushes " + pushed.get(i).getSimpleName());
        }
    }

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void aKernelObjectsRunTakesTheCallsRuntimeArguments(Kernel kernel) {
        JvmKernels.binding(kernel).ifPresent(b -> {
            Method run = b.run();
            assertTrue(!Modifier.isStatic(run.getModifiers()) && Modifier.isPublic(run.getModifiers()),
                    run + " must be a public instance method: the generated program calls it on the bound object");
            List<Class<?>> pushed = new ArrayList<>();
            for (int i : b.runArguments()) {
                pushed.addAll(JvmKernels.parameterTypes(kernel.signature().get(i)));
            }
            assertEquals(pushed, List.of(run.getParameterTypes()), kernel + " -> " + run);
        });
    }
}
