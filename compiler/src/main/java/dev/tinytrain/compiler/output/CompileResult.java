package dev.tinytrain.compiler.output;

import dev.tinytrain.compiler.CompiledModel;

/**
 * A finished compile run.
 *
 * @param request what was asked
 * @param model the model that was compiled, with its description
 * @param scheme the scheme
 * @param compiled the compiler's result (plan, report, JVM session)
 */
public record CompileResult(CompileRequest request, LoadedModel model, SchemeSource scheme, CompiledModel compiled) {
}
