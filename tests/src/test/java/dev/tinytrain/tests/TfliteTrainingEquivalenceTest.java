package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.output.SchemeSource;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.tflite.TfliteImporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compiled training step of an imported {@code .tflite} model (TFLite integer forward, float transfer head,
 * planned arena): ten steps leave byte-identical trainable state and identical losses on the JVM, with host gcc
 * and on the Cortex-M7 under QEMU, and inference afterwards gives identical logits; for the head-only scheme and
 * for sparse schemes that train imported layers (their int8 weights and int32 biases, through every imported op's
 * gradient: conv, depthwise, fully connected, add, pad, mean, max and average pool, concatenation, ReLU).
 */
@Execution(ExecutionMode.CONCURRENT)
class TfliteTrainingEquivalenceTest {

    private static final int STEPS = 10;
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mcunet-5fps-int8", "mbv2-a035-96-int8", "small-cnn-int8"})
    void tenHeadOnlyStepsAreByteIdenticalOnJvmHostAndCortexM7(String model) {
        Graph g = imported(model);
        CompiledModel compiled = Compiler.compile(g, Target.STM32F746, CompileOptions.preset("head-only", 1e-2f)
                .withTraining(new TrainingOptions(1e-2f, 5e-3f, "stochastic", true, 42)));
        tenStepsAreByteIdentical(model, g, compiled, List.of());
    }

    /**
     * Sparse schemes that train imported layers: the study's mcunet-99kb equivalent by TFLite operator index, a
     * generic preset on MobileNetV2, and every parameter of the small CNN (so that the gradient runs through its
     * pools, concatenation, ReLU and first fully connected layer), in each rounding mode. The imported MCUNet's step
     * fits the STM32F746 exactly as the native one does (246,028 B SRAM); the others compile unchecked, as training
     * every parameter in float_master mode need not fit.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"mcunet-5fps-int8, ../bench/mcunet-99kb-tflite.json, stochastic, true",
        "mbv2-a035-96-int8, last-6-biases-2-weights-0.5, nearest_even, false",
        "small-cnn-int8, all, float_master, false", "small-cnn-int8, all, stochastic, true"})
    void tenSparseStepsTrainImportedLayersByteIdenticallyOnJvmHostAndCortexM7(String model, String scheme,
                                                                               String rounding, boolean sanitized) {
        Graph g = imported(model);
        CompileOptions o = SchemeSource.resolve(scheme, Path.of("")).options(
                new TrainingOptions(1e-2f, 5e-3f, rounding, true, 42));
        CompiledModel compiled = model.startsWith("mcunet") ? Compiler.compile(g, Target.STM32F746, o)
                : Compiler.compileUnchecked(g, Target.STM32F746, o);
        assertTrue(compiled.step().graph().nodes().stream().anyMatch(n -> n.op() instanceof TfliteConv2d
                && n.outputs().size() == 2), "an imported layer trains (its clamp mask is kept)");
        tenStepsAreByteIdentical(model + " " + scheme + " " + rounding, g, compiled, sanitized
                ? List.of(CModelRunner.Platform.HOST_SANITIZED) : List.of());
    }

    private static Graph imported(String model) {
        CTestSupport.requireTools(CModelRunner.Platform.HOST);
        CTestSupport.requireTools(CModelRunner.Platform.QEMU_M7);
        Path file = SharedFolder.require().resolve("tflite").resolve(model + ".tflite");
        int c = TfliteImporter.featureChannels(file);
        float[] w = new float[10 * c];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) * 0.05f;
        }
        return TfliteImporter.load(file, HeadSpec.transfer(w, new float[10])).graph();
    }

    private static void tenStepsAreByteIdentical(String model, Graph g, CompiledModel compiled,
                                                 List<CModelRunner.Platform> more) {
        Random r = new Random(model.hashCode());
        int pixels = Math.toIntExact(g.inputs().get(0).type().elementCount());
        List<byte[]> images = new ArrayList<>();
        int[] labels = new int[STEPS];
        for (int s = 0; s < STEPS; s++) {
            byte[] img = new byte[pixels];
            r.nextBytes(img);
            images.add(img);
            labels[s] = s % 10;
        }
        byte[] probe = new byte[pixels];
        r.nextBytes(probe);
        List<CModelRunner.Platform> platforms = new ArrayList<>(List.of(CModelRunner.Platform.HOST,
                CModelRunner.Platform.QEMU_M7));
        platforms.addAll(more);
        Trained t = trainsIdentically(model, compiled, images, labels, probe, 42, platforms);
        assertTrue(t.losses()[0] > 0, "the loss of a 10-class head starts positive");
        boolean importedLayersTrain = compiled.step().graph().parameters().stream()
                .anyMatch(p -> p.trainability().trainable() && !p.name().startsWith("head."));
        if (importedLayersTrain) {
            assertTrue(CTrainingEquivalenceTest.changedWeights(t.c().state(), t.state(), compiled.step().graph()) > 0,
                    model + ": ten steps should change some int8 weights of the imported layers");
        }
    }

    /** The JVM's side of {@link #trainsIdentically}: its losses, its trainable state, and the C model compared. */
    record Trained(CModel c, float[] losses, byte[] state) {
    }

    /**
     * Trains {@code compiled} on {@code inputs} (the input's raw bytes) with {@code labels} on the JVM and on each
     * platform, then infers {@code probe}: every loss, the trainable state and the logits are byte-identical.
     *
     * @param seed the training options' seed (the state's header)
     */
    static Trained trainsIdentically(String what, CompiledModel compiled, List<byte[]> inputs, int[] labels,
                                     byte[] probe, int seed, List<CModelRunner.Platform> platforms) {
        CModel cm = compiled.toC("test");
        Path folder = CModelRunner.materialize(cm, CTestSupport.CACHE);
        CModelRunner.Commands cmds = new CModelRunner.Commands();
        TrainingSession jvm = compiled.newSession();
        float[] losses = new float[inputs.size()];
        for (int s = 0; s < inputs.size(); s++) {
            losses[s] = jvm.trainStep(inputs.get(s), labels[s]);
            cmds.train(inputs.get(s), labels[s]);
        }
        byte[] state = CTrainingEquivalenceTest.encode(cm.state(), jvm, compiled.step().graph(), seed);
        float[] jvmLogits = jvm.infer(probe);
        cmds.saveState().infer(probe);
        for (CModelRunner.Platform p : platforms) {
            CModelRunner.Results res = CTestSupport.build(folder, p).run(cmds, TIMEOUT);
            for (int s = 0; s < inputs.size(); s++) {
                assertEquals(Float.floatToRawIntBits(losses[s]), Float.floatToRawIntBits(res.losses().get(s)),
                        what + " " + p + ": loss of step " + s);
            }
            CTrainingEquivalenceTest.assertStateEquals(cm.state(), state, res.lastState(), p);
            float[] logits = res.of('I').get(0).logits();
            for (int k = 0; k < logits.length; k++) {
                assertEquals(Float.floatToRawIntBits(jvmLogits[k]), Float.floatToRawIntBits(logits[k]),
                        what + " " + p + ": logit " + k + " after training");
            }
        }
        return new Trained(cm, losses, state);
    }
}
