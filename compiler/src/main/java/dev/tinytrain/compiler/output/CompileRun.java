package dev.tinytrain.compiler.output;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;

/**
 * One compile run as the command line and the Maven goal do it: resolve the target, options, scheme and model
 * (cheapest checks first, so a typo fails before a model is read), then {@link Compiler#compile}, which throws
 * {@link dev.tinytrain.compiler.BudgetExceededException} when the step does not fit the target.
 */
public final class CompileRun {
    private CompileRun() {
    }

    /**
     * Compiles.
     *
     * @throws dev.tinytrain.ir.IrException for a bad model, scheme or budget overflow (the message says which)
     * @throws IllegalArgumentException for an unknown target, rounding mode or a bad learning rate
     * @throws java.io.UncheckedIOException when a file cannot be read
     */
    public static CompileResult compile(CompileRequest r) {
        Target target = Target.byName(r.target());
        TrainingOptions training = new TrainingOptions(r.learningRate(), r.effectiveBiasLearningRate(), r.rounding(),
                true, 0);
        SchemeSource scheme = SchemeSource.resolve(r.scheme(), r.baseDir());
        scheme.policy(); // an unknown preset or a bad policy file fails before the model is read
        ModelSource source = ModelSource.resolve(r.model(), r.baseDir());
        LoadedModel model = source.load(r.resolution(), r.headInit());
        CompileOptions options = scheme.options(training).withStreamBackward(r.streamBackward())
                .withStreamPrefix(r.streamPrefix());
        CompiledModel compiled = Compiler.compile(model.graph(), target, options);
        return new CompileResult(r, model, scheme, compiled);
    }
}
