/**
 * What {@code tinytrain compile} and the {@code tinytrain:compile} Maven goal share: resolving the model
 * ({@link dev.tinytrain.compiler.output.ModelSource}: folder, IR JSON or zoo name) and the scheme
 * ({@link dev.tinytrain.compiler.output.SchemeSource}: preset or policy file), the compile run
 * ({@link dev.tinytrain.compiler.output.CompileRun}), the input stamp for incremental builds
 * ({@link dev.tinytrain.compiler.output.InputStamp}) and the atomic output folder
 * ({@link dev.tinytrain.compiler.output.CompileOutput}).
 */
package dev.tinytrain.compiler.output;
