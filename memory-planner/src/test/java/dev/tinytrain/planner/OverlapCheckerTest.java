package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OverlapCheckerTest {
    private static final int ALIGN = 64;

    private static Placement placement(long arena, Object... nameOffsetPairs) {
        Map<String, Long> offsets = new LinkedHashMap<>();
        for (int i = 0; i < nameOffsetPairs.length; i += 2) {
            offsets.put((String) nameOffsetPairs[i], ((Number) nameOffsetPairs[i + 1]).longValue());
        }
        return new Placement("hand-made", offsets, arena);
    }

    private static PlanVerificationException rejects(List<BufferLifetime> buffers, Placement p) {
        return assertThrows(PlanVerificationException.class, () -> OverlapChecker.check(buffers, p, ALIGN));
    }

    @Test
    void catchesIdenticalIntervalsAtTheSameOffset() {
        // the bug TTE had: buffers with exactly the same lifetime were not considered overlapping
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("x", 64, 3, 7),
                new BufferLifetime("y", 64, 3, 7));
        PlanVerificationException e = rejects(buffers, placement(64, "x", 0, "y", 0));
        assertEquals("x", e.firstBuffer());
        assertEquals("y", e.secondBuffer());
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("'y'"), e.getMessage());
    }

    @Test
    void catchesIdenticalSingleStepIntervals() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("x", 128, 4, 4),
                new BufferLifetime("y", 64, 4, 4));
        rejects(buffers, placement(128, "x", 0, "y", 64));
    }

    @Test
    void catchesPartialOverlapInTimeAndSpace() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 256, 0, 5),
                new BufferLifetime("b", 256, 5, 9)); // share step 5 only
        PlanVerificationException e = rejects(buffers, placement(384, "a", 0, "b", 128)); // share bytes 128..256
        assertEquals("a", e.firstBuffer());
        assertEquals("b", e.secondBuffer());
    }

    @Test
    void catchesOverlapHiddenByPadding() {
        // a is 65 bytes, so once aligned it occupies [0, 128) and collides with b at 64
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 65, 0, 1), // occupies [0, 128)
                new BufferLifetime("b", 10, 0, 1));
        rejects(buffers, placement(192, "a", 0, "b", 64));
    }

    @Test
    void catchesMisalignment() {
        List<BufferLifetime> buffers = List.of(new BufferLifetime("m", 64, 0, 0));
        PlanVerificationException e = rejects(buffers, placement(96, "m", 32));
        assertEquals("m", e.firstBuffer());
        assertNull(e.secondBuffer());
        assertTrue(e.getMessage().contains("alignment"), e.getMessage());
    }

    @Test
    void catchesNegativeOffsetMissingAndUnknownBuffers() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 64, 0, 0),
                new BufferLifetime("b", 64, 1, 1));
        assertEquals("b", rejects(buffers, placement(64, "a", 0)).firstBuffer());
        assertEquals("ghost", rejects(buffers, placement(64, "a", 0, "b", 0, "ghost", 0)).firstBuffer());
        assertEquals("a", rejects(buffers, placement(64, "a", -64, "b", 0)).firstBuffer());
    }

    @Test
    void catchesBuffersBeyondTheArenaAndALooseArena() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 64, 0, 0),
                new BufferLifetime("b", 100, 0, 0)); // occupies 128
        assertEquals("b", rejects(buffers, placement(160, "a", 0, "b", 64)).firstBuffer());
        PlanVerificationException loose = rejects(buffers, placement(256, "a", 0, "b", 64));
        assertTrue(loose.getMessage().contains("not tight"), loose.getMessage());
    }

    @Test
    void acceptsReuseWhenTouchingInTime() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("early", 128, 0, 4),
                new BufferLifetime("late", 128, 5, 9));
        assertDoesNotThrow(() -> OverlapChecker.check(buffers, placement(128, "early", 0, "late", 0), ALIGN));
    }

    @Test
    void acceptsAdjacentInSpace() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 100, 0, 4), // [0, 128)
                new BufferLifetime("b", 64, 0, 4)); // [128, 192)
        assertDoesNotThrow(() -> OverlapChecker.check(buffers, placement(192, "a", 0, "b", 128), ALIGN));
    }

    @Test
    void acceptsZeroSizeBufferInsideALiveOne() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 128, 0, 4),
                new BufferLifetime("empty", 0, 0, 4));
        assertDoesNotThrow(() -> OverlapChecker.check(buffers, placement(128, "a", 0, "empty", 64), ALIGN));
        assertDoesNotThrow(() -> OverlapChecker.check(buffers, placement(128, "a", 0, "empty", 0), ALIGN));
    }

    @Test
    void acceptsEmptyPlan() {
        assertDoesNotThrow(() -> OverlapChecker.check(List.of(), placement(0), ALIGN));
    }

    @Test
    void rejectsDuplicateNames() {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("twin", 64, 0, 0),
                new BufferLifetime("twin", 64, 5, 5));
        InvalidBufferException e = assertThrows(InvalidBufferException.class,
                () -> OverlapChecker.check(buffers, placement(64, "twin", 0), ALIGN));
        assertEquals("twin", e.bufferName());
    }
}
