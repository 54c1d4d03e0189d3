package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LowerBoundTest {

    @Test
    void emptyIsZero() {
        assertEquals(0, LowerBound.of(List.of(), 64));
    }

    @Test
    void sumsAlignedSizesLiveAtTheSameStep() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 100, 0, 2), // 128
                new BufferLifetime("b", 10, 1, 3), // 64
                new BufferLifetime("c", 64, 3, 4)); // 64
        assertEquals(192, LowerBound.of(buffers, 64)); // steps 1 and 2: a + b
        assertEquals(110, LowerBound.of(buffers, 1));
    }

    @Test
    void touchingIntervalsDoNotAdd() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 64, 0, 3),
                new BufferLifetime("b", 64, 4, 7));
        assertEquals(64, LowerBound.of(buffers, 64));
    }

    @Test
    void identicalIntervalsAdd() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 64, 2, 2),
                new BufferLifetime("b", 64, 2, 2));
        assertEquals(128, LowerBound.of(buffers, 64));
    }

    @Test
    void zeroSizeBuffersCountNothing() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 0, 0, 9),
                new BufferLifetime("b", 64, 2, 2));
        assertEquals(64, LowerBound.of(buffers, 64));
    }

    @Test
    void handlesLargestSteps() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 64, Integer.MAX_VALUE, Integer.MAX_VALUE),
                new BufferLifetime("b", 64, 0, Integer.MAX_VALUE));
        assertEquals(128, LowerBound.of(buffers, 64));
    }

    @Test
    void rejectsBadAlignment() {
        assertThrows(IllegalArgumentException.class, () -> LowerBound.of(List.of(), 0));
    }
}
