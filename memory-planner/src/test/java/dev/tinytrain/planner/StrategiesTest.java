package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Edge cases every registered strategy must handle the same way. */
class StrategiesTest {
    private static final int ALIGN = 64;

    static Stream<PlacementStrategy> strategies() {
        return PlacementStrategies.standard().all().stream();
    }

    private static Placement placeAndCheck(PlacementStrategy s, List<BufferLifetime> buffers) {
        Placement p = s.place(buffers, ALIGN);
        OverlapChecker.check(buffers, p, ALIGN);
        assertEquals(s.name(), p.strategy());
        return p;
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void emptyListGivesEmptyArena(PlacementStrategy s) {
        Placement p = placeAndCheck(s, List.of());
        assertEquals(0, p.arenaBytes());
        assertEquals(Map.of(), p.offsets());
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void oneBufferSitsAtZero(PlacementStrategy s) {
        Placement p = placeAndCheck(s, List.of(new BufferLifetime("only", 100, 3, 8)));
        assertEquals(0, p.offsetOf("only"));
        assertEquals(128, p.arenaBytes());
    }

    /** Decision: a zero-size buffer occupies no bytes; it is placed at offset 0 and never conflicts. */
    @ParameterizedTest
    @MethodSource("strategies")
    void zeroSizeBuffersTakeNoSpace(PlacementStrategy s) {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 64, 0, 5),
                new BufferLifetime("empty", 0, 0, 5),
                new BufferLifetime("b", 64, 0, 5));
        Placement p = placeAndCheck(s, buffers);
        assertEquals(0, p.offsetOf("empty"));
        assertEquals(128, p.arenaBytes());

        Placement onlyEmpty = placeAndCheck(s, List.of(new BufferLifetime("e1", 0, 0, 0),
                new BufferLifetime("e2", 0, 0, 0)));
        assertEquals(0, onlyEmpty.arenaBytes());
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void identicalIntervalsAreStacked(PlacementStrategy s) {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("x", 64, 2, 2),
                new BufferLifetime("y", 64, 2, 2),
                new BufferLifetime("z", 64, 2, 2));
        assertEquals(192, placeAndCheck(s, buffers).arenaBytes());
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void touchingLifetimesShareBytes(PlacementStrategy s) {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("a", 128, 0, 4),
                new BufferLifetime("b", 128, 5, 9),
                new BufferLifetime("c", 128, 10, 10));
        assertEquals(128, placeAndCheck(s, buffers).arenaBytes());
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void offsetsFollowInputOrder(PlacementStrategy s) {
        List<BufferLifetime> buffers = List.of(
                new BufferLifetime("z", 64, 0, 1),
                new BufferLifetime("a", 640, 0, 1),
                new BufferLifetime("m", 64, 0, 1));
        assertEquals(List.of("z", "a", "m"), List.copyOf(placeAndCheck(s, buffers).offsets().keySet()));
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void isDeterministic(PlacementStrategy s) {
        List<BufferLifetime> buffers = RandomInstances.instance(new java.util.Random(99), 40);
        assertEquals(s.place(buffers, 16), s.place(buffers, 16));
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void rejectsDuplicateNamesAndBadAlignment(PlacementStrategy s) {
        List<BufferLifetime> twins = List.of(
                new BufferLifetime("twin", 64, 0, 0),
                new BufferLifetime("twin", 64, 5, 5));
        InvalidBufferException e = assertThrows(InvalidBufferException.class, () -> s.place(twins, ALIGN));
        assertEquals("twin", e.bufferName());
        assertTrue(e.getMessage().contains("twin"));
        assertThrows(IllegalArgumentException.class,
                () -> s.place(List.of(new BufferLifetime("a", 1, 0, 0)), 0));
    }
}
