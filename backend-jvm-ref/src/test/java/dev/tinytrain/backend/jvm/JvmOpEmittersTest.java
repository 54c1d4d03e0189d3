package dev.tinytrain.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.ops.OpKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every op kind of the IR has a JVM kernel emitter: adding a kind without one fails here. */
class JvmOpEmittersTest {

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void everyOpKindHasAnEmitter(OpKind kind) {
        assertTrue(JvmOpEmitters.forKind(kind).isPresent(), "no JVM emitter for " + kind.irName());
    }
}
