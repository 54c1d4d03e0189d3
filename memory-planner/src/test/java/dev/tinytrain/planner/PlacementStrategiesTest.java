package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementStrategiesTest {

    @Test
    void standardRegistryHoldsTheBuiltIns() {
        assertEquals(List.of("greedy-by-size", "greedy-by-lifetime", "greedy-by-conflicts", "hill-climb"),
                PlacementStrategies.standard().names());
        for (String name : PlacementStrategies.standard().names()) {
            assertEquals(name, PlacementStrategies.standard().get(name).name());
        }
    }

    @Test
    void selectsFromAConfigurationValue() {
        List<PlacementStrategy> chosen = PlacementStrategies.standard().select(" hill-climb , greedy-by-size");
        assertEquals(List.of("hill-climb", "greedy-by-size"), chosen.stream().map(PlacementStrategy::name).toList());
        assertThrows(IllegalArgumentException.class, () -> PlacementStrategies.standard().select(" , "));
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        UnknownStrategyException e = assertThrows(UnknownStrategyException.class,
                () -> PlacementStrategies.standard().select("greedy-by-size,simulated-annealing"));
        assertEquals("simulated-annealing", e.strategyName());
        assertTrue(e.getMessage().contains("greedy-by-conflicts"), e.getMessage());
    }

    @Test
    void registersFurtherStrategiesWithoutChangingTheStandardOne() {
        HillClimbStrategy longer = new HillClimbStrategy("hill-climb-long", 1, 100_000);
        PlacementStrategies extended = PlacementStrategies.standard().with(longer);
        assertSame(longer, extended.get("hill-climb-long"));
        assertThrows(UnknownStrategyException.class, () -> PlacementStrategies.standard().get("hill-climb-long"));
        assertThrows(IllegalArgumentException.class, () -> extended.with(GreedyStrategy.bySize()));
    }
}
