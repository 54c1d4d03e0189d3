package dev.tinytrain.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.planner.ArenaLayout;
import dev.tinytrain.planner.OverlapChecker;
import dev.tinytrain.pruning.Presets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pipeline on the three pretrained models: plans that fit, beat TTE, and train bit-identically. */
class CompilerTest {

    static Graph model(String name) {
        Path dir = SharedFolder.require().resolve("models").resolve(name);
        ImportedModel m = McuModelImporter.load(dir);
        int c = m.tap("avgpool").type().shape().dim(3);
        float[] w = new float[10 * c];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) * 0.05f;
        }
        return McuModelImporter.load(dir, 128, HeadSpec.transfer(w, new float[10])).graph();
    }

    /**
     * Every TTE preset plans to within 5% of its lower bound, checked independently, and fits the STM32F746 (MbV2's
     * 64x64x48 expansion, 229,380 B on whole tensors, runs in row bands).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"mcunet-5fps, mcunet-49kb", "mcunet-5fps, mcunet-74kb", "mcunet-5fps, mcunet-99kb",
        "mcunet-5fps, mcunet-124kb", "mcunet-5fps, mcunet-148kb", "mbv2-w0.35, mbv2-49kb", "mbv2-w0.35, mbv2-73kb",
        "mbv2-w0.35, mbv2-99kb", "mbv2-w0.35, mbv2-123kb", "mbv2-w0.35, mbv2-138kb",
        "proxyless-w0.3, proxyless-49kb", "proxyless-w0.3, proxyless-74kb", "proxyless-w0.3, proxyless-98kb",
        "proxyless-w0.3, proxyless-120kb", "proxyless-w0.3, proxyless-148kb"})
    void everyPresetPlansNearItsLowerBound(String model, String scheme) {
        CompiledModel c = Compiler.compileUnchecked(model(model), Target.STM32F746,
                CompileOptions.preset(scheme, 1e-3f));
        OverlapChecker.check(c.plan().lifetimes().buffers(), c.plan().result().placement(), c.plan().layout()
                .alignment());
        assertTrue(c.report().efficiency() >= 0.95, scheme + " efficiency " + c.report().efficiency());
        assertTrue(c.report().fits(), c.report().sramTotalBytes() + " B");
        assertTrue(c.step().graph().nodes().stream().noneMatch(n -> n.op().kind() == OpKind.CONV_GRAD_WEIGHT),
                "every conv weight gradient is fused with its update");
    }

    /** TTE's published peaks: MCUNet 173 KB, Proxyless 135 KB (TTE-FACTS §H); the arena sizes are pinned. */
    @Test
    void arenasBeatTtesPublishedPeaks() {
        MemoryReport mcunet = Compiler.compile(model("mcunet-5fps"), Target.STM32F746,
                CompileOptions.preset("mcunet-99kb", 1e-3f)).report();
        MemoryReport proxyless = Compiler.compile(model("proxyless-w0.3"), Target.STM32F746,
                CompileOptions.preset("proxyless-98kb", 1e-3f)).report();
        assertTrue(mcunet.arenaBytes() <= 177_152, "mcunet-99kb arena " + mcunet.arenaBytes());
        assertTrue(proxyless.arenaBytes() <= 138_240, "proxyless-98kb arena " + proxyless.arenaBytes());
        // the forward's peak (image + line buffers of the prefix in row bands); the backward, streamed channel by
        // channel, needs less
        assertEquals(65_604, mcunet.arenaBytes());
        assertEquals(67_164, proxyless.arenaBytes());
        assertEquals(mcunet.lowerBoundBytes(), mcunet.arenaBytes());
    }

    /**
     * MobileNetV2's peak on whole tensors: block 1's stride-2 depthwise conv writes its 32x32x48 output over its
     * dying 64x64x48 input (245,764 B with separate buffers), so the peak moves to the 1x1 expansion before it:
     * 32,768 B in + 196,608 B out + 4 B.
     */
    @Test
    void mobileNetV2PeakIsItsBlockOneExpansionOnceTheDepthwiseRunsInPlace() {
        CompiledModel c = Compiler.compileUnchecked(model("mbv2-w0.35"), Target.STM32F746,
                CompileOptions.preset("mbv2-99kb", 1e-3f).withStreamPrefix(false));
        assertEquals(229_380, c.report().arenaBytes());
        assertEquals(c.report().lowerBoundBytes(), c.report().arenaBytes());
    }

    @Test
    void trainingEverythingOverflowsTheStm32AndTheMessageSaysWhy() {
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> Compiler.compile(
                model("mcunet-5fps"), Target.STM32F746, CompileOptions.preset("all", 1e-3f)));
        String m = e.getMessage();
        assertTrue(m.contains("SRAM budget of stm32f746 is 327,680 B but the step needs"), m);
        assertTrue(m.contains("arena") && m.contains("largest arena tensors"), m);
        assertTrue(!e.report().fits());
    }

    /** Fused, reordered, planned (with in-place buffers) == unfused on the trivial layout, byte for byte. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"mcunet-5fps, mcunet-99kb, stochastic", "mbv2-w0.35, mbv2-49kb, float_master",
        "proxyless-w0.3, proxyless-98kb, nearest_even"})
    void theFusedPlannedStepEqualsTheUnfusedOne(String model, String scheme, String rounding) {
        Graph g = model(model);
        CompileOptions o = CompileOptions.preset(scheme, 1e-2f).withTraining(
                new dev.tinytrain.autodiff.TrainingOptions(1e-2f, 5e-3f, rounding, true, 42));
        CompiledModel fused = Compiler.compileUnchecked(g, Target.STM32F746, o);
        CompiledModel unfused = Compiler.compileUnchecked(g, Target.HOST, o.withFuseUpdates(false));
        TrainingSession a = fused.newSession();
        TrainingSession b = new TrainingSession(unfused.step(), ArenaLayout.sequential(unfused.step().graph(), 16), 42);
        Random r = new Random(3);
        for (int step = 0; step < 3; step++) {
            byte[] in = new byte[128 * 128 * 3];
            r.nextBytes(in);
            assertEquals(b.trainStep(in, step % 10), a.trainStep(in, step % 10));
        }
        for (Parameter p : g.parameters()) {
            Object x = a.parameters().get(p.name());
            Object y = b.parameters().get(p.name());
            if (x instanceof byte[] xb) {
                assertArrayEquals((byte[]) y, xb, p.name());
            } else {
                assertTrue(Arrays.equals((float[]) x, (float[]) y), p.name());
            }
        }
        byte[] probe = new byte[128 * 128 * 3];
        assertArrayEquals(b.infer(probe), a.infer(probe));
    }

    @Test
    void presetsAreAllKnown() {
        assertTrue(Presets.names().contains("mcunet-99kb"));
    }
}
