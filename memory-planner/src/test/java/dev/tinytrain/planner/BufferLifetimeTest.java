package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BufferLifetimeTest {

    @Test
    void rejectsInvalidFieldsNamingTheBuffer() {
        InvalidBufferException size = assertThrows(InvalidBufferException.class,
                () -> new BufferLifetime("act3", -1, 0, 1));
        assertEquals("act3", size.bufferName());
        assertTrue(size.getMessage().contains("act3"), size.getMessage());

        InvalidBufferException steps = assertThrows(InvalidBufferException.class,
                () -> new BufferLifetime("grad7", 16, 5, 4));
        assertTrue(steps.getMessage().contains("grad7"), steps.getMessage());

        assertThrows(InvalidBufferException.class, () -> new BufferLifetime("neg", 16, -1, 4));
        assertThrows(InvalidBufferException.class, () -> new BufferLifetime(" ", 16, 0, 4));
        assertThrows(InvalidBufferException.class, () -> new BufferLifetime(null, 16, 0, 4));
    }

    @Test
    void acceptsZeroSizeAndSingleStep() {
        BufferLifetime b = new BufferLifetime("empty", 0, 3, 3);
        assertEquals(0, b.alignedSize(64));
    }

    @Test
    void alignedSizeRoundsUp() {
        assertEquals(64, new BufferLifetime("a", 1, 0, 0).alignedSize(64));
        assertEquals(64, new BufferLifetime("a", 64, 0, 0).alignedSize(64));
        assertEquals(128, new BufferLifetime("a", 65, 0, 0).alignedSize(64));
        assertEquals(12, new BufferLifetime("a", 10, 0, 0).alignedSize(3));
        assertEquals(10, new BufferLifetime("a", 10, 0, 0).alignedSize(1));
        assertThrows(IllegalArgumentException.class, () -> new BufferLifetime("a", 10, 0, 0).alignedSize(0));
        InvalidBufferException overflow = assertThrows(InvalidBufferException.class,
                () -> new BufferLifetime("huge", Long.MAX_VALUE, 0, 0).alignedSize(64));
        assertEquals("huge", overflow.bufferName());
    }

    @Test
    void overlapInTimeIsInclusive() {
        BufferLifetime a = new BufferLifetime("a", 8, 2, 5);
        assertTrue(a.overlapsInTime(new BufferLifetime("b", 8, 5, 9)));
        assertTrue(a.overlapsInTime(new BufferLifetime("c", 8, 0, 2)));
        assertTrue(a.overlapsInTime(new BufferLifetime("d", 8, 2, 5)));
        assertTrue(a.overlapsInTime(new BufferLifetime("e", 8, 3, 3)));
        assertFalse(a.overlapsInTime(new BufferLifetime("f", 8, 6, 9)));
        assertFalse(a.overlapsInTime(new BufferLifetime("g", 8, 0, 1)));
    }
}
