package dev.tinytrain.backend.c;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.ops.OpKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every op kind of the IR has a C emitter: adding a kind without one fails here. */
class COpEmittersTest {

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void everyOpKindHasAnEmitter(OpKind kind) {
        assertTrue(COpEmitters.forKind(kind).isPresent(), "no C emitter for " + kind.irName());
    }
}
