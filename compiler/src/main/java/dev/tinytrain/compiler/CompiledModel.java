package dev.tinytrain.compiler;

import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.planner.MemoryPlan;

/**
 * The result of {@link Compiler#compile}: the scheduled training step, its memory plan and report, and a JVM
 * session that runs the step on exactly that plan.
 *
 * @param forward the forward graph that was compiled
 * @param step the scheduled training step (fused in-place updates unless turned off)
 * @param plan the static memory plan
 * @param report the memory report against the target
 * @param target the target
 * @param options the options
 */
public record CompiledModel(Graph forward, TrainingGraph step, MemoryPlan plan, MemoryReport report, Target target,
                            CompileOptions options) {

    /**
     * A new JVM session on the plan: {@code trainStep(input, label)} and {@code infer(input)}, with its own copy of
     * the parameters (each session trains independently).
     */
    public TrainingSession newSession() {
        return new TrainingSession(step, plan.layout(), options.training().seed());
    }
}
