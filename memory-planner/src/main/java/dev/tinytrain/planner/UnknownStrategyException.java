package dev.tinytrain.planner;

import java.util.Collection;

/** A placement strategy was requested by a name that is not registered. */
public final class UnknownStrategyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String strategyName;

    /**
     * @param strategyName the requested name
     * @param known the registered names, listed in the message
     */
    public UnknownStrategyException(String strategyName, Collection<String> known) {
        super("unknown placement strategy '" + strategyName + "'; known: " + String.join(", ", known));
        this.strategyName = strategyName;
    }

    /** @return the requested, unknown name */
    public String strategyName() {
        return strategyName;
    }
}
