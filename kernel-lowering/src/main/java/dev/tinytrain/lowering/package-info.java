/**
 * Kernel lowering, the stage between the memory planner and the two backends: each scheduled node becomes one
 * immutable {@link dev.tinytrain.lowering.KernelCall} (a {@link dev.tinytrain.lowering.Kernel} and its typed,
 * compile-time-constant {@link dev.tinytrain.lowering.KernelArg arguments}) by one rule per op kind in
 * {@link dev.tinytrain.lowering.NodeLowering}. The C backend prints the call as C, the JVM backend as bytecode;
 * tensor offsets stay symbolic (the {@code Value}) and each backend resolves them from its arena layout, as it
 * resolves parameters from its own storage.
 */
package dev.tinytrain.lowering;
