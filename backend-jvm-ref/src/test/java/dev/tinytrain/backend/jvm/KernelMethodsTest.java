package dev.tinytrain.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tinytrain.backend.jvm.fast.FastConv2d;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Type;

/** The generator's call instructions take their descriptors from the kernel methods themselves. */
class KernelMethodsTest {

    @Test
    void descriptorComesFromTheMethod() {
        assertEquals("([BIIFIIFIIFII)V",
                Type.getMethodDescriptor(KernelMethods.of(ForwardKernels.class, "quantizedAdd")));
        assertEquals("([BIII)V", Type.getMethodDescriptor(KernelMethods.of(FastConv2d.class, "run")));
    }

    @Test
    void anAmbiguousOrMissingKernelFailsAtLookup() {
        // two overloads: a descriptor could not say which one the generator means
        assertThrows(IllegalStateException.class, () -> KernelMethods.of(BackwardKernels.class, "applyClampMask"));
        assertThrows(IllegalStateException.class, () -> KernelMethods.of(ForwardKernels.class, "conv3d"));
    }
}
