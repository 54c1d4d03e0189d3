package dev.tinytrain.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.RandomNetworks;
import dev.tinytrain.planner.ArenaLayout;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.planner.OverlapChecker;
import dev.tinytrain.pruning.ChannelSelection;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random inverted-residual networks with random sparse-update policies: every plan passes the independent
 * checker, and the fused, reordered step on the planned arena (with in-place buffers) trains bit-identically to
 * the unfused step on the trivial layout, in every rounding mode.
 */
class RandomGraphPropertyTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void plannedFusedStepEqualsUnfusedStep(int seed) {
        Random r = new Random(seed);
        Graph g = RandomNetworks.invertedResidual(r);
        int convs = Compiler.convOrder(g).size();
        SparseUpdatePolicy.Builder pb = SparseUpdatePolicy.builder().biasWindow(1 + r.nextInt(convs));
        int window = Math.min(convs, 1 + r.nextInt(convs));
        pb.biasWindow(window);
        for (int idx = convs - window; idx < convs; idx++) {
            if (r.nextBoolean()) {
                pb.weight(idx, r.nextBoolean() ? ChannelSelection.all()
                        : ChannelSelection.ratio(0.5, r.nextBoolean() ? ChannelSelection.Rule.FIRST_K
                                : ChannelSelection.Rule.MAGNITUDE));
            }
        }
        String rounding = new String[] {"nearest_even", "stochastic", "float_master"}[seed % 3];
        CompileOptions o = new CompileOptions(pb.build(), "random", new TrainingOptions(0.05f, 0.02f, rounding,
                seed % 2 == 0, seed), true, true, MemoryPlan.DEFAULT_ALIGNMENT);
        CompiledModel fused = Compiler.compileUnchecked(g, Target.HOST, o);
        MemoryPlan plan = fused.plan();
        OverlapChecker.check(plan.lifetimes().buffers(), plan.result().placement(), plan.layout().alignment());
        assertTrue(plan.arenaBytes() >= plan.lowerBoundBytes());
        CompiledModel unfused = Compiler.compileUnchecked(g, Target.HOST, o.withFuseUpdates(false));
        TrainingSession a = fused.newSession();
        TrainingSession b = new TrainingSession(unfused.step(), ArenaLayout.sequential(unfused.step().graph(), 4), seed);
        int pixels = (int) g.inputs().get(0).type().elementCount();
        for (int step = 0; step < 4; step++) {
            byte[] in = new byte[pixels];
            r.nextBytes(in);
            int label = r.nextInt(3);
            assertEquals(b.trainStep(in, label), a.trainStep(in, label), "loss at step " + step);
        }
        float[] head0 = g.parameter("head.weight").orElseThrow().data().toFloat32();
        assertTrue(!Arrays.equals(head0, (float[]) a.parameters().get("head.weight")), "training changed the head");
        for (Parameter p : g.parameters()) {
            Object x = a.parameters().get(p.name());
            Object y = b.parameters().get(p.name());
            if (x instanceof byte[] xb) {
                assertArrayEquals((byte[]) y, xb, p.name());
            } else {
                assertTrue(Arrays.equals((float[]) x, (float[]) y), p.name());
            }
        }
    }
}
