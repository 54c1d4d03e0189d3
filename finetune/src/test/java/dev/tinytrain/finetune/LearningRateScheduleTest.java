package dev.tinytrain.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void constantIsExactlyOneAtEveryStep() {
        LearningRateSchedule c = LearningRateSchedule.constant();
        for (long s : new long[] {0, 1, 999, Long.MAX_VALUE}) {
            assertEquals(Float.floatToRawIntBits(1.0f), Float.floatToRawIntBits(c.scale(s)), "step " + s);
        }
        assertEquals("constant", c.name());
    }

    @Test
    void warmUpRampsLinearlyToOne() {
        LearningRateSchedule c = LearningRateSchedule.cosine(4, 20, 0.0);
        float[] expected = {0.2f, 0.4f, 0.6f, 0.8f, 1.0f};
        for (int s = 0; s < expected.length; s++) {
            assertEquals(expected[s], c.scale(s), 0.0f, "step " + s);
        }
    }

    @Test
    void cosineRunsFromOneAfterWarmUpToTheMinimumAtTheLastStep() {
        LearningRateSchedule c = LearningRateSchedule.cosine(10, 110, 0.05);
        assertEquals(1.0f, c.scale(10), 0.0f, "first step after warm-up");
        assertEquals(0.05f, c.scale(109), 0.0f, "last step");
        assertEquals(0.05f, c.scale(5000), 0.0f, "after the run the minimum is kept");
        // half-way through the decay (step 10 + 99/2 is between two steps): cos(pi/2) = 0
        LearningRateSchedule even = LearningRateSchedule.cosine(0, 101, 0.0);
        assertEquals(0.5f, even.scale(50), 1e-7f, "the middle of the decay");
        assertEquals(0.0f, even.scale(100), 0.0f);
    }

    @Test
    void rampUpThenMonotoneDecay() {
        LearningRateSchedule c = LearningRateSchedule.cosine(37, 1000, 0.1);
        float previous = 0;
        for (int s = 0; s <= 37; s++) {
            float v = c.scale(s);
            assertTrue(v > previous && v <= 1.0f, "warm-up step " + s + ": " + v + " after " + previous);
            previous = v;
        }
        for (int s = 38; s < 1200; s++) {
            float v = c.scale(s);
            assertTrue(v <= previous && v >= 0.1f, "decay step " + s + ": " + v + " after " + previous);
            previous = v;
        }
    }

    @Test
    void withoutWarmUpTheFirstStepIsOneAndASingleStepRunStaysAtOne() {
        assertEquals(1.0f, LearningRateSchedule.cosine(0, 50, 0.0).scale(0), 0.0f);
        assertEquals(1.0f, LearningRateSchedule.cosine(0, 1, 0.0).scale(0), 0.0f);
    }

    @Test
    void refusesInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0, 0, 0.0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(-1, 10, 0.0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(10, 10, 0.0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(1, 10, 1.5));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(1, 10, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(1, 10, 0.0).scale(-1));
    }
}
