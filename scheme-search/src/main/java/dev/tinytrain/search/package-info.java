/**
 * Sparse-update schemes searched from a memory budget ({@code TTE-FACTS.md} §F.4, issue 16).
 *
 * <ul>
 *   <li>{@link dev.tinytrain.search.ContributionAnalysis}: Δacc of the last k biases over the head only, and of
 *       each conv's weight at each channel ratio over the biases of a base window, each an independent short
 *       fine-tune with the compiled int8 step ({@link dev.tinytrain.search.AnalysisSettings},
 *       {@link dev.tinytrain.search.TrialSpec}), recorded in an append-only JSON-lines
 *       {@link dev.tinytrain.search.TrialLog} so that an analysis resumes and spreads over threads or machines;
 *       the result is a {@link dev.tinytrain.search.ContributionTable}.</li>
 *   <li>{@link dev.tinytrain.search.EvolutionarySearch}: the scheme ({@link dev.tinytrain.search.Scheme}) that
 *       maximises the summed contributions with the compiled step's SRAM, Flash and optionally backward MACs
 *       within budget ({@link dev.tinytrain.search.SearchSettings}); the memory model is the compiler itself
 *       ({@link dev.tinytrain.search.CompilerMemory}, cached by policy). The chosen scheme is a
 *       {@code SparseUpdatePolicy} that {@code PolicyJson} writes.</li>
 *   <li>{@link dev.tinytrain.search.FrontRemeasurement}: the finalists of the Pareto front fine-tuned as whole
 *       schemes on validation images (optionally on the user's fixed training order), the best measured chosen;
 *       {@link dev.tinytrain.search.MeasuredRefinement} goes on from it, one measured neighbour at a time.</li>
 * </ul>
 */
package dev.tinytrain.search;
