package dev.tinytrain.planner;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable registry of placement strategies by name, so that choosing one is a configuration value
 * (e.g. {@code "greedy-by-size,hill-climb"}).
 *
 * <p>{@link #standard()} holds the built-in strategies:
 * <ul>
 *   <li>{@value GreedyStrategy#BY_SIZE}: {@link GreedyStrategy#bySize()}</li>
 *   <li>{@value GreedyStrategy#BY_LIFETIME}: {@link GreedyStrategy#byLifetime()}</li>
 *   <li>{@value GreedyStrategy#BY_CONFLICTS}: {@link GreedyStrategy#byConflicts()}</li>
 *   <li>{@value HillClimbStrategy#NAME}: {@link HillClimbStrategy#withDefaults()}</li>
 * </ul>
 */
public final class PlacementStrategies {
    private static final PlacementStrategies STANDARD = new PlacementStrategies(List.of(
            GreedyStrategy.bySize(), GreedyStrategy.byLifetime(), GreedyStrategy.byConflicts(),
            HillClimbStrategy.withDefaults()));

    private final Map<String, PlacementStrategy> byName;

    private PlacementStrategies(Collection<PlacementStrategy> strategies) {
        Map<String, PlacementStrategy> map = new LinkedHashMap<>();
        for (PlacementStrategy s : strategies) {
            Objects.requireNonNull(s, "strategy");
            if (map.putIfAbsent(s.name(), s) != null) {
                throw new IllegalArgumentException("placement strategy '" + s.name() + "' registered twice");
            }
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    /** @return the registry of built-in strategies */
    public static PlacementStrategies standard() {
        return STANDARD;
    }

    /**
     * @param strategy a further strategy
     * @return a new registry with the strategy added
     * @throws IllegalArgumentException if the name is already registered
     */
    public PlacementStrategies with(PlacementStrategy strategy) {
        List<PlacementStrategy> all = new ArrayList<>(byName.values());
        all.add(strategy);
        return new PlacementStrategies(all);
    }

    /**
     * @param name a registered name
     * @return the strategy
     * @throws UnknownStrategyException if no strategy has that name
     */
    public PlacementStrategy get(String name) {
        PlacementStrategy s = byName.get(name);
        if (s == null) {
            throw new UnknownStrategyException(name, byName.keySet());
        }
        return s;
    }

    /**
     * Resolves a configuration value: names separated by commas (blanks around them are ignored).
     *
     * @param commaSeparatedNames e.g. {@code "greedy-by-size, hill-climb"}
     * @return the strategies in the given order
     * @throws UnknownStrategyException if a name is not registered
     * @throws IllegalArgumentException if the value names no strategy
     */
    public List<PlacementStrategy> select(String commaSeparatedNames) {
        List<PlacementStrategy> result = new ArrayList<>();
        for (String part : commaSeparatedNames.split(",")) {
            String name = part.strip();
            if (!name.isEmpty()) {
                result.add(get(name));
            }
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("no placement strategy named in '" + commaSeparatedNames + "'");
        }
        return List.copyOf(result);
    }

    /** @return the registered names, in registration order */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** @return all registered strategies, in registration order (cheap greedy ones first) */
    public List<PlacementStrategy> all() {
        return List.copyOf(byName.values());
    }
}
