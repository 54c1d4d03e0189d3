package dev.tinytrain.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.RandomNetworks;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.text.IrPrinter;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.pruning.SparseUpdatePolicy;
import dev.tinytrain.reorder.PrefixBanding;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random inverted-residual networks whose last block alone trains: every frozen prefix that qualifies, at band
 * heights 1 to 3 (with every fusable expansion fused into its depthwise conv at 3; depthwise layers in place over
 * their input's line buffer where the program takes it, at 1), runs in row bands on its own planned arena and trains and infers byte-identically to the whole-tensor
 * step; the band region's IR round-trips through JSON and prints.
 */
class PrefixStreamingTest {
    /** Depthwise layers the seeds' band programs ran in place over their inputs' line buffers. */
    private static final java.util.concurrent.atomic.AtomicInteger IN_PLACE = new java.util.concurrent.atomic
            .AtomicInteger();

    @org.junit.jupiter.api.AfterAll
    static void someDepthwiseLayersRanInPlace() {
        assertTrue(IN_PLACE.get() > 0, "some band program writes a depthwise output row over its input");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void everyBandedPrefixTrainsLikeTheWholeTensors(int seed) {
        Random r = new Random(seed);
        Graph g = RandomNetworks.invertedResidual(r);
        int convs = Compiler.convOrder(g).size();
        SparseUpdatePolicy policy = SparseUpdatePolicy.builder().biasWindow(1 + r.nextInt(2)).build();
        String rounding = new String[] {"nearest_even", "stochastic", "float_master"}[seed % 3];
        CompileOptions o = new CompileOptions(policy, "random", new TrainingOptions(0.05f, 0.02f, rounding, true, seed),
                true, true, MemoryPlan.DEFAULT_ALIGNMENT).withStreamPrefix(false);
        CompiledModel whole = Compiler.compileUnchecked(g, Target.STM32F746, o);
        TrainingGraph step = whole.step();
        List<Integer> ends = PrefixBanding.candidateEnds(step.graph());
        assertFalse(ends.isEmpty(), "a network training its last " + convs + " conv's bias has a frozen prefix");
        int pixels = (int) g.inputs().get(0).type().elementCount();
        int banded = 0;
        int fusions = 0;
        int inPlace = 0;
        for (int end : ends) {
            List<String> fusable = PrefixBanding.fusableExpansions(step.graph(), end);
            for (int band = 1; band <= 3; band++) {
                // bands of 3 fuse every fusable expansion into its depthwise conv, in groups of 1-5 channels
                Set<String> fused = band == 3 ? Set.copyOf(fusable) : Set.of();
                TrainingGraph s = PrefixBanding.band(step, end, band, fused, 1 + r.nextInt(5)).orElse(null);
                if (s == null) {
                    continue;
                }
                fusions += fused.size();
                Node region = s.graph().nodes().get(0);
                inPlace += ((BandRegion) region.op()).program(region.name(), region.inputs()).inPlaceLayers().size();
                assertEquals(OpKind.BAND_REGION, s.graph().nodes().get(0).op().kind());
                assertEquals(IrPrinter.print(s.graph()), IrPrinter.print(IrJson.read(IrJson.write(s.graph()))));
                MemoryPlan plan = MemoryPlan.of(s.graph());
                TrainingSession a = new TrainingSession(s, plan.layout(), seed);
                TrainingSession b = whole.newSession();
                Random data = new Random(seed * 31L + end * 7L + band);
                for (int k = 0; k < 2; k++) {
                    byte[] in = new byte[pixels];
                    data.nextBytes(in);
                    assertEquals(b.trainStep(in, k % 3), a.trainStep(in, k % 3), "end " + end + " band " + band);
                    assertArrayEquals(b.infer(in), a.infer(in), "end " + end + " band " + band);
                }
                banded++;
            }
        }
        assertTrue(banded > 0);
        assertTrue(fusions > 0, "a random inverted-residual prefix has an expansion to fuse");
        IN_PLACE.addAndGet(inPlace);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {21, 22, 23})
    void theChosenPlanIsNeverLargerAndOffTurnsItOff(int seed) {
        Graph g = RandomNetworks.invertedResidual(new Random(seed));
        CompileOptions o = new CompileOptions(SparseUpdatePolicy.builder().biasWindow(1).build(), "random",
                new TrainingOptions(0.05f, 0.02f, "stochastic", true, seed), true, true, MemoryPlan.DEFAULT_ALIGNMENT);
        CompiledModel on = Compiler.compileUnchecked(g, Target.STM32F746, o);
        CompiledModel off = Compiler.compileUnchecked(g, Target.STM32F746, o.withStreamPrefix(false));
        CompiledModel host = Compiler.compileUnchecked(g, Target.HOST, o);
        assertTrue(on.plan().arenaBytes() <= off.plan().arenaBytes());
        boolean streamed = on.step().graph().nodes().get(0).op() instanceof BandRegion;
        assertEquals(streamed, on.plan().arenaBytes() < off.plan().arenaBytes());
        assertTrue(off.step().graph().nodes().stream().noneMatch(n -> n.op() instanceof BandRegion));
        assertTrue(host.step().graph().nodes().stream().noneMatch(n -> n.op() instanceof BandRegion));
    }
}
