package dev.tinytrain.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.ops.OpKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every op kind has a gradient entry (a rule, or the explicit statement that it is not differentiated). */
class GradientRulesTest {

    @ParameterizedTest
    @EnumSource(OpKind.class)
    void everyOpKindHasAGradientEntry(OpKind kind) {
        assertTrue(GradientRules.hasEntry(kind), "no gradient entry for " + kind.irName());
    }
}
