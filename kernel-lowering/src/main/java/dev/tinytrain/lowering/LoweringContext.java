package dev.tinytrain.lowering;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Value;

/** What lowering a node may ask beyond the node itself; each backend answers from its own state. */
public interface LoweringContext {

    /** The graph being compiled (e.g. to find the conv that owns an updated weight). */
    Graph graph();

    /** True when the memory plan gives {@code a} and {@code b} the same arena offset (a reshape in place). */
    boolean samePlace(Value a, Value b);

    /**
     * True when the program being generated reads {@code v} (see {@code Graph.valuesRead}); a clamp mask that it
     * does not read is not written (an inference program's convs and adds keep none).
     */
    boolean read(Value v);
}
