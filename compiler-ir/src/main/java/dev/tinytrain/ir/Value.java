package dev.tinytrain.ir;

import java.util.Objects;

/**
 * An SSA value: defined exactly once, by a graph input, a parameter or a node. Names are unique within a graph
 * and are the value's identity.
 */
public record Value(String name, TensorType type) {

    /** Validates the name. */
    public Value {
        Objects.requireNonNull(type, "type");
        if (name == null || name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("value name '" + name + "' must be non-empty and without spaces");
        }
    }
}
