package dev.tinytrain.backend.jvm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Specification of {@link Requant}: FORMAT.md §3.2 step 3. */
class RequantTest {

    @Test
    @DisplayName("eff = fl32(x_scale * w_scale / y_scale), evaluated in double and rounded once")
    void roundedOnceFromDouble() {
        double xScale = 2.0 / 255;
        float wScale = 0.008860558f;
        double yScale = 0.022220016021250892;
        float eff = Requant.effectiveScale(xScale, wScale, yScale);
        assertEquals(0x3b4cf7db, Float.floatToIntBits(eff)); // 0.0031275663
        assertEquals((float) (xScale * (double) wScale / yScale), eff);
        // Evaluating in float32, or rounding x*w to float before dividing, gives the next float up: wrong.
        assertNotEquals(eff, (float) xScale * wScale / (float) yScale);
        assertNotEquals(eff, (float) (xScale * wScale) / (float) yScale);
    }

    @Test
    @DisplayName("effectiveScales applies effectiveScale per output channel")
    void perChannel() {
        float[] w = {0.008860558f, 1e-9f, 0.5f};
        float[] eff = Requant.effectiveScales(2.0 / 255, w, 0.022220016021250892);
        float[] expected = new float[3];
        for (int o = 0; o < 3; o++) {
            expected[o] = Requant.effectiveScale(2.0 / 255, w[o], 0.022220016021250892);
        }
        assertArrayEquals(expected, eff);
    }
}
