package dev.tinytrain.backend.c;

import dev.tinytrain.ir.Node;

/** Writes the C statement (one kernel call) of one scheduled node of a given op kind. */
@FunctionalInterface
public interface COpEmitter {

    /** Emits the call for {@code node}. */
    void emit(CEmitContext ctx, Node node);
}
