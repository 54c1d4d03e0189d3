package dev.tinytrain.backend.jvm;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * The kernel methods the generated programs call, looked up once by reflection: the call instructions take their
 * owner and descriptor from the {@link Method} itself, so a kernel whose signature changes fails here (or in the
 * generated code's verification), never by a silently wrong hand-typed descriptor.
 */
public final class KernelMethods {
    private KernelMethods() {
    }

    /**
     * The one public method of {@code owner} named {@code name}.
     *
     * @throws IllegalStateException if there is none or it is overloaded
     */
    public static Method of(Class<?> owner, String name) {
        Method[] found = Arrays.stream(owner.getMethods())
                .filter(m -> m.getName().equals(name) && m.getDeclaringClass() == owner
                        && Modifier.isPublic(m.getModifiers()))
                .toArray(Method[]::new);
        if (found.length != 1) {
            throw new IllegalStateException(owner.getName() + " has " + found.length + " public methods named '"
                    + name + "'; a kernel the generator calls must have exactly one");
        }
        return found[0];
    }
}
