/**
 * Static memory planner core: places buffers with known lifetimes into one arena.
 *
 * <p>The placement core is independent of the compiler IR: it works on a list of
 * {@link dev.tinytrain.planner.BufferLifetime}s (name, size, first and last step of a linear schedule).
 * {@link dev.tinytrain.planner.TensorLifetimes} derives them from a scheduled graph, letting values share a
 * buffer where a kernel may write over an operand that dies there (elementwise ops at the same offset,
 * depthwise convs a {@link dev.tinytrain.planner.DepthwiseInPlace lead} before their input), and
 * {@link dev.tinytrain.planner.MemoryPlan} turns the placement into per-value offsets. The core then
 * <ul>
 *   <li>computes the lower bound {@link dev.tinytrain.planner.LowerBound} (LOAD: the largest sum of
 *       aligned sizes live at one step),</li>
 *   <li>runs interchangeable {@link dev.tinytrain.planner.PlacementStrategy placement strategies},
 *       registered by name in {@link dev.tinytrain.planner.PlacementStrategies},</li>
 *   <li>keeps the smallest arena ({@link dev.tinytrain.planner.MemoryPlanner}), stopping as soon as a
 *       strategy reaches the lower bound, and</li>
 *   <li>verifies every plan with an independent pairwise checker
 *       ({@link dev.tinytrain.planner.OverlapChecker}).</li>
 * </ul>
 *
 * <p>All algorithms are deterministic: search budgets are iteration counts and random choices use fixed
 * seeds, so the same input always yields the same arena.
 *
 * <p><b>Conventions.</b> Sizes are bytes. Every buffer occupies its size rounded up to the alignment,
 * and every offset is a multiple of the alignment. A zero-size buffer occupies no bytes: it is placed
 * at offset 0, never conflicts with anything and does not count towards the lower bound.
 */
package dev.tinytrain.planner;
