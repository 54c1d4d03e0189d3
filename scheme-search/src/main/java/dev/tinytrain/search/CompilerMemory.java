package dev.tinytrain.search;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.PolicyJson;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real compiler as the memory model: each policy's step is compiled ({@link Compiler#compileUnchecked}, the
 * same pipeline and planner as {@code compile} and {@code report}) and its SRAM total, Flash and backward MACs
 * are taken from the result. Results are cached by policy, so each distinct candidate compiles once.
 */
public final class CompilerMemory implements SchemeMemory {
    private final Graph forward;
    private final Target target;
    private final TrainingOptions training;
    private final long forwardMacs;
    private final ConcurrentHashMap<String, SchemeCost> cache = new ConcurrentHashMap<>();
    private final AtomicLong compiles = new AtomicLong();

    /**
     * @param forward the forward graph with its transfer head
     * @param target the target whose stack and code reserve count (its budgets are not enforced here)
     * @param training the training options (the rounding mode changes memory: float master copies)
     */
    public CompilerMemory(Graph forward, Target target, TrainingOptions training) {
        this.forward = forward;
        this.target = target;
        this.training = training;
        this.forwardMacs = forward.macs();
    }

    @Override
    public SchemeCost cost(SparseUpdatePolicy policy) {
        String key = PolicyJson.toJson(policy);
        SchemeCost known = cache.get(key);
        if (known != null) {
            return known;
        }
        // compiled outside the map's lock: a compile takes tens of milliseconds and must not block other keys
        compiles.incrementAndGet();
        CompiledModel c = Compiler.compileUnchecked(forward, target, new CompileOptions(policy, "search", training,
                true, true, MemoryPlan.DEFAULT_ALIGNMENT));
        SchemeCost cost = new SchemeCost(c.report().sramTotalBytes(), c.report().flashBytes(),
                c.step().graph().macs() - forwardMacs);
        SchemeCost raced = cache.putIfAbsent(key, cost);
        return raced != null ? raced : cost;
    }

    /** Distinct policies compiled so far. */
    public long compiles() {
        return compiles.get();
    }
}
