/**
 * Sparse update ({@code ARCHITECTURE.md} §4): which parameters a training step updates, and the pass that removes
 * everything else.
 *
 * <ul>
 *   <li>{@link dev.tinytrain.pruning.SparseUpdatePolicy}: the biases of the last k backbone convs, a list of
 *       {@link dev.tinytrain.pruning.WeightUpdate}s (a {@link dev.tinytrain.pruning.LayerRef} and a
 *       {@link dev.tinytrain.pruning.ChannelSelection}), the head always; {@link dev.tinytrain.pruning.PolicyJson}
 *       reads and writes policy files; {@link dev.tinytrain.pruning.Presets} names TTE's schemes.</li>
 *   <li>{@link dev.tinytrain.pruning.PolicyResolver}: a policy on one model gives every parameter its
 *       {@link dev.tinytrain.ir.Trainability}.</li>
 *   <li>{@link dev.tinytrain.pruning.Pruner}: applies it to the full training step from {@code autodiff-pass}
 *       (frozen updates removed, partial weight gradients narrowed to their channels and fed a channel slice, dead
 *       code and unread masks eliminated).</li>
 * </ul>
 * Every error is a {@link dev.tinytrain.pruning.PolicyException} naming the field or layer at fault.
 */
package dev.tinytrain.pruning;
