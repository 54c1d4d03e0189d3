package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CStateLayout;
import dev.tinytrain.backend.jvm.ParameterArrays;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The acceptance test of the C backend: ten consecutive training steps (different images and labels) of the
 * compiled step (fused updates, planned arena) leave byte-identical trainable state -- int8 weight channels, int32
 * biases, the float head, master copies, step counter and seed, as {@code tt_state_save} writes them -- and
 * identical losses on the JVM ({@code CompiledModel.newSession()}), on the host (gcc) and on the Cortex-M7 under
 * QEMU, for the three models with a TTE preset, in every rounding mode. Inference afterwards gives identical logits,
 * and the Cortex-M7's painted stack shows the step within the stack the planner reserves.
 * One configuration per model also runs under AddressSanitizer + UBSan (which must report nothing), and one checks
 * that a saved state, loaded again, continues training exactly as if it had never stopped.
 */
@Execution(ExecutionMode.CONCURRENT)
class CTrainingEquivalenceTest {

    private static final int STEPS = 10;
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "mcunet-5fps, mcunet-99kb, stochastic, true", "mcunet-5fps, mcunet-99kb, nearest_even, false",
        "mcunet-5fps, mcunet-99kb, float_master, false",
        "mbv2-w0.35, mbv2-49kb, stochastic, false", "mbv2-w0.35, mbv2-49kb, nearest_even, false",
        "mbv2-w0.35, mbv2-49kb, float_master, true",
        "proxyless-w0.3, proxyless-98kb, stochastic, false", "proxyless-w0.3, proxyless-98kb, nearest_even, true",
        "proxyless-w0.3, proxyless-98kb, float_master, false"})
    void tenStepsAreByteIdenticalOnJvmHostAndCortexM7(String model, String preset, String rounding,
                                                      boolean sanitized) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        CTestSupport.requireTools(CModelRunner.Platform.QEMU_M7);
        Graph g = CTestSupport.model(model);
        CompileOptions o = CompileOptions.preset(preset, 1e-2f).withTraining(
                new TrainingOptions(1e-2f, 5e-3f, rounding, true, 42));
        // float_master keeps float32 copies of the trainable channels: more SRAM than the part has, so unchecked
        CompiledModel c = Compiler.compileUnchecked(g, Target.STM32F746, o);
        CModel cm = c.toC("test");
        Path folder = CModelRunner.materialize(cm, CTestSupport.CACHE);

        Random r = new Random(preset.hashCode() * 31L + rounding.hashCode());
        List<byte[]> images = new ArrayList<>();
        int[] labels = new int[STEPS];
        int pixels = Math.toIntExact(g.inputs().get(0).type().elementCount());
        for (int s = 0; s < STEPS; s++) {
            byte[] img = new byte[pixels];
            r.nextBytes(img);
            images.add(img);
            labels[s] = r.nextInt(10);
        }
        byte[] probe = new byte[pixels];
        r.nextBytes(probe);

        // the JVM reference
        TrainingSession jvm = c.newSession();
        float[] jvmLosses = new float[STEPS];
        for (int s = 0; s < STEPS; s++) {
            jvmLosses[s] = jvm.trainStep(images.get(s), labels[s]);
        }
        byte[] jvmState = encode(cm.state(), jvm, c.step().graph(), 42);
        float[] jvmLogits = jvm.infer(probe);
        assertTrue(changedWeights(cm.state(), jvmState, c.step().graph()) > 0,
                "ten steps should change some int8 weights (else the rounding modes are not exercised)");

        CModelRunner.Commands cmds = new CModelRunner.Commands();
        for (int s = 0; s < STEPS; s++) {
            cmds.train(images.get(s), labels[s]);
        }
        cmds.saveState().infer(probe).stackUsage();

        List<CModelRunner.Platform> platforms = new ArrayList<>(List.of(CModelRunner.Platform.HOST,
                CModelRunner.Platform.QEMU_M7));
        if (sanitized) {
            platforms.add(CModelRunner.Platform.HOST_SANITIZED);
        }
        for (CModelRunner.Platform p : platforms) {
            CModelRunner.Results res = CTestSupport.build(folder, p).run(cmds, TIMEOUT);
            List<Float> losses = res.losses();
            for (int s = 0; s < STEPS; s++) {
                assertEquals(Float.floatToRawIntBits(jvmLosses[s]), Float.floatToRawIntBits(losses.get(s)),
                        p + ": loss of step " + s + ": JVM " + jvmLosses[s] + ", C " + losses.get(s));
            }
            assertStateEquals(cm.state(), jvmState, res.lastState(), p);
            if (p == CModelRunner.Platform.QEMU_M7) {
                int stack = res.of('K').get(0).rc();
                assertTrue(stack > 0 && stack <= Target.STM32F746.stackBytes(), "the deepest stack of ten steps and an "
                        + "inference (harness included), " + stack + " B, exceeds the planner's " 
                        + Target.STM32F746.stackBytes() + " B");
            }
            float[] logits = res.of('I').get(0).logits();
            for (int k = 0; k < logits.length; k++) {
                assertEquals(Float.floatToRawIntBits(jvmLogits[k]), Float.floatToRawIntBits(logits[k]),
                        p + ": logit " + k + " after training");
            }
        }
    }

    /**
     * A learning-rate schedule's runtime scale ({@code TrainingSession.trainStep(input, label, scale)} on the JVM,
     * {@code tt_set_lr_scale} in C) changes the rate of every update step by step with the same bits on the JVM,
     * the host and the Cortex-M7; and it takes effect (the state differs from the run at the compiled rate).
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"proxyless-w0.3, proxyless-98kb, stochastic", "mcunet-5fps, mcunet-99kb, float_master"})
    void aVaryingLearningRateScaleIsByteIdenticalOnJvmHostAndCortexM7(String model, String preset, String rounding) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        CTestSupport.requireTools(CModelRunner.Platform.QEMU_M7);
        Graph g = CTestSupport.model(model);
        CompiledModel c = Compiler.compileUnchecked(g, Target.STM32F746, CompileOptions.preset(preset, 1e-2f)
                .withTraining(new TrainingOptions(1e-2f, 5e-3f, rounding, true, 11)));
        CModel cm = c.toC("test");
        Path folder = CModelRunner.materialize(cm, CTestSupport.CACHE);
        // warm-up, a peak above 1, decay and a pause; 0.3f * 1e-2f and friends are inexact products
        float[] scales = {0.1f, 0.3f, 0.7f, 1.9f, 1.0f, 0.8535534f, 0.5f, 0.14644662f, 0.0f, 0.03f};
        Random r = new Random(model.hashCode());
        int pixels = Math.toIntExact(g.inputs().get(0).type().elementCount());
        TrainingSession jvm = c.newSession();
        TrainingSession constant = c.newSession();
        CModelRunner.Commands cmds = new CModelRunner.Commands();
        float[] jvmLosses = new float[STEPS];
        for (int s = 0; s < STEPS; s++) {
            byte[] img = new byte[pixels];
            r.nextBytes(img);
            int label = r.nextInt(10);
            jvmLosses[s] = jvm.trainStep(img, label, scales[s]);
            constant.trainStep(img, label);
            cmds.lrScale(scales[s]).train(img, label);
        }
        cmds.saveState();
        byte[] jvmState = encode(cm.state(), jvm, c.step().graph(), 11);
        assertTrue(!java.util.Arrays.equals(jvmState, encode(cm.state(), constant, c.step().graph(), 11)),
                "the scaled steps should leave another state than the compiled rate");
        for (CModelRunner.Platform p : List.of(CModelRunner.Platform.HOST, CModelRunner.Platform.QEMU_M7)) {
            CModelRunner.Results res = CTestSupport.build(folder, p).run(cmds, TIMEOUT);
            assertEquals(STEPS, res.of('R').size(), p + ": every scale acknowledged");
            List<Float> losses = res.losses();
            for (int s = 0; s < STEPS; s++) {
                assertEquals(Float.floatToRawIntBits(jvmLosses[s]), Float.floatToRawIntBits(losses.get(s)),
                        p + ": loss of step " + s + " (scale " + scales[s] + ")");
            }
            assertStateEquals(cm.state(), jvmState, res.lastState(), p);
        }
    }

    /**
     * The channel-streamed backward (issue 15, on by default, so the test above runs it on the JVM, the host and the
     * Cortex-M7) against the whole-tensor backward in C: ten steps of each on the host leave the same trainable state,
     * losses and logits, one rounding mode per model.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"mcunet-5fps, mcunet-99kb, nearest_even", "mbv2-w0.35, mbv2-99kb, stochastic",
        "proxyless-w0.3, proxyless-98kb, float_master"})
    void theStreamedBackwardEqualsTheWholeTensorOneInC(String model, String preset, String rounding) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        Graph g = CTestSupport.model(model);
        CompileOptions o = CompileOptions.preset(preset, 1e-2f).withTraining(
                new TrainingOptions(1e-2f, 5e-3f, rounding, true, 11));
        CompiledModel streamed = Compiler.compileUnchecked(g, Target.STM32F746, o);
        CompiledModel whole = Compiler.compileUnchecked(g, Target.STM32F746, o.withStreamBackward(false));
        Random r = new Random(preset.hashCode());
        int pixels = Math.toIntExact(g.inputs().get(0).type().elementCount());
        CModelRunner.Commands cmds = new CModelRunner.Commands();
        for (int s = 0; s < STEPS; s++) {
            byte[] img = new byte[pixels];
            r.nextBytes(img);
            cmds.train(img, r.nextInt(10));
        }
        byte[] probe = new byte[pixels];
        r.nextBytes(probe);
        cmds.saveState().infer(probe);
        CModelRunner.Results a = CTestSupport.build(CModelRunner.materialize(streamed.toC("test"), CTestSupport.CACHE),
                CModelRunner.Platform.HOST).run(cmds, TIMEOUT);
        CModelRunner.Results b = CTestSupport.build(CModelRunner.materialize(whole.toC("test"), CTestSupport.CACHE),
                CModelRunner.Platform.HOST).run(cmds, TIMEOUT);
        for (int s = 0; s < STEPS; s++) {
            assertEquals(Float.floatToRawIntBits(b.losses().get(s)), Float.floatToRawIntBits(a.losses().get(s)),
                    "loss of step " + s);
        }
        assertArrayEquals(b.lastState(), a.lastState(), "trainable state after ten steps");
        float[] la = a.of('I').get(0).logits();
        float[] lb = b.of('I').get(0).logits();
        for (int k = 0; k < la.length; k++) {
            assertEquals(Float.floatToRawIntBits(lb[k]), Float.floatToRawIntBits(la[k]), "logit " + k);
        }
        assertTrue(streamed.report().backwardPeakBytes() < whole.report().backwardPeakBytes());
    }

    /** tt_state_save after 5 steps, tt_state_load into a fresh process, 5 more steps == 10 steps in one go. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"proxyless-w0.3, proxyless-98kb, stochastic"})
    void aSavedStateContinuesExactly(String model, String preset, String rounding) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        Graph g = CTestSupport.model(model);
        CompiledModel c = Compiler.compileUnchecked(g, Target.STM32F746, CompileOptions.preset(preset, 1e-2f)
                .withTraining(new TrainingOptions(1e-2f, 5e-3f, rounding, true, 7)));
        CModel cm = c.toC("test");
        CModelRunner host = CTestSupport.build(CModelRunner.materialize(cm, CTestSupport.CACHE),
                CModelRunner.Platform.HOST);
        Random r = new Random(5);
        int pixels = Math.toIntExact(g.inputs().get(0).type().elementCount());
        CModelRunner.Commands all = new CModelRunner.Commands();
        CModelRunner.Commands first = new CModelRunner.Commands();
        List<byte[]> later = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            byte[] img = new byte[pixels];
            r.nextBytes(img);
            all.train(img, s % 10);
            if (s < STEPS / 2) {
                first.train(img, s % 10);
            } else {
                later.add(img);
            }
        }
        byte[] whole = host.run(all.saveState(), TIMEOUT).lastState();
        byte[] half = host.run(first.saveState(), TIMEOUT).lastState();
        CModelRunner.Commands second = new CModelRunner.Commands().loadState(half);
        for (int k = 0; k < later.size(); k++) {
            second.train(later.get(k), (STEPS / 2 + k) % 10);
        }
        CModelRunner.Results res = host.run(second.saveState(), TIMEOUT);
        assertEquals(0, res.of('L').get(0).rc(), "tt_state_load accepts its own state");
        assertEquals(STEPS, CStateLayout.step(res.lastState()));
        assertArrayEquals(whole, res.lastState(), "5 steps, save, load, 5 steps == 10 steps");
        byte[] foreign = half.clone();
        foreign[4] ^= 1; // another layout tag
        assertEquals(-1, host.run(new CModelRunner.Commands().loadState(foreign), TIMEOUT).of('L').get(0).rc(),
                "tt_state_load refuses another model's state");
    }

    /** The JVM session's state in the C blob layout. */
    static byte[] encode(CStateLayout layout, TrainingSession s, Graph g, int seed) {
        ParameterArrays a = s.parameters();
        return layout.encode(name -> g.parameter(name).orElseThrow().value().type().dtype() == DType.INT32
                ? a.int32(name) : a.get(name), a::master, s.steps(), seed);
    }

    static long changedWeights(CStateLayout layout, byte[] state, Graph g) {
        long changed = 0;
        for (var e : layout.decodeParameters(state, g).entrySet()) {
            if (e.getValue() instanceof byte[] w) {
                byte[] w0 = g.parameter(e.getKey()).orElseThrow().data().toInt8();
                for (int i = 0; i < w.length; i++) {
                    if (w[i] != w0[i]) {
                        changed++;
                    }
                }
            }
        }
        return changed;
    }

    static void assertStateEquals(CStateLayout layout, byte[] expected, byte[] actual,
                                          CModelRunner.Platform p) {
        assertEquals(expected.length, actual.length, p + ": state size");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                String where = i < CStateLayout.HEADER_BYTES ? "header" : "?";
                for (CStateLayout.Entry e : layout.entries()) {
                    if (i >= e.offset() && i < e.offset() + e.bytes()) {
                        where = e.parameter() + " (" + e.kind() + ", byte " + (i - e.offset()) + ")";
                    }
                }
                fail(p + ": trainable state differs from the JVM's at byte " + i + " of " + expected.length + ": "
                        + where + ": JVM " + expected[i] + ", C " + actual[i]);
            }
        }
    }
}
