package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.Node;

/** Emits the bytecode of one kernel call for one node of a given op kind. */
@FunctionalInterface
public interface JvmOpEmitter {

    /** Emits the call for {@code node}. */
    void emit(EmitContext ctx, Node node);
}
