package dev.tinytrain.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.ir.ops.StreamedBackward;
import dev.tinytrain.planner.OverlapChecker;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The channel-streamed backward (issue 15) on the three pretrained models: ten training steps leave the same bytes
 * (every parameter, master copies included, the losses and the logits afterwards) with and without streaming, in
 * every rounding mode; and the backward's memory is pinned.
 */
class ChannelStreamingTest {
    private static final int STEPS = 10;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "mcunet-5fps, mcunet-99kb, stochastic", "mcunet-5fps, mcunet-99kb, nearest_even",
        "mcunet-5fps, mcunet-99kb, float_master",
        "mbv2-w0.35, mbv2-99kb, stochastic", "mbv2-w0.35, mbv2-99kb, nearest_even",
        "mbv2-w0.35, mbv2-99kb, float_master",
        "proxyless-w0.3, proxyless-98kb, stochastic", "proxyless-w0.3, proxyless-98kb, nearest_even",
        "proxyless-w0.3, proxyless-98kb, float_master"})
    void tenStreamedStepsAreByteIdenticalToTheUnstreamedOnes(String model, String scheme, String rounding) {
        Graph g = CompilerTest.model(model);
        CompileOptions o = CompileOptions.preset(scheme, 1e-2f).withTraining(
                new TrainingOptions(1e-2f, 5e-3f, rounding, true, 7));
        CompiledModel streamed = Compiler.compileUnchecked(g, Target.STM32F746, o);
        CompiledModel whole = Compiler.compileUnchecked(g, Target.STM32F746, o.withStreamBackward(false));
        long regions = streamed.step().graph().nodes().stream()
                .filter(n -> n.op().kind() == OpKind.STREAMED_BACKWARD).count();
        assertTrue(regions >= 4, scheme + " streams " + regions + " blocks");
        assertTrue(whole.step().graph().nodes().stream().noneMatch(n -> n.op() instanceof StreamedBackward));
        OverlapChecker.check(streamed.plan().lifetimes().buffers(), streamed.plan().result().placement(),
                streamed.plan().layout().alignment());

        TrainingSession a = streamed.newSession();
        TrainingSession b = whole.newSession();
        Random r = new Random(scheme.hashCode() * 31L + rounding.hashCode());
        int pixels = Math.toIntExact(g.inputs().get(0).type().elementCount());
        for (int s = 0; s < STEPS; s++) {
            byte[] img = new byte[pixels];
            r.nextBytes(img);
            int label = r.nextInt(10);
            float la = a.trainStep(img, label);
            float lb = b.trainStep(img, label);
            assertEquals(Float.floatToRawIntBits(lb), Float.floatToRawIntBits(la), "loss of step " + s);
        }
        TrainingSession untrained = whole.newSession();
        int changed = 0;
        for (Parameter p : g.parameters()) {
            byte[] pa = bytes(a.parameters().get(p.name()));
            byte[] pb = bytes(b.parameters().get(p.name()));
            assertArrayEquals(pb, pa, p.name());
            if (a.parameters().hasMaster(p.name())) {
                assertArrayEquals(bytes(b.parameters().master(p.name())), bytes(a.parameters().master(p.name())),
                        p.name() + " master");
            }
            if (!Arrays.equals(pb, bytes(untrained.parameters().get(p.name())))) {
                changed++;
            }
        }
        byte[] probe = new byte[pixels];
        r.nextBytes(probe);
        float[] xa = a.infer(probe);
        float[] xb = b.infer(probe);
        for (int k = 0; k < xa.length; k++) {
            assertEquals(Float.floatToRawIntBits(xb[k]), Float.floatToRawIntBits(xa[k]), "logit " + k);
        }
        assertTrue(changed > 10, "ten steps change the trained parameters (" + changed + ")");
        assertTrue(streamedUpdates(streamed) > 0, "the regions update parameters, so the test compares updates");
    }

    private static long streamedUpdates(CompiledModel c) {
        return c.step().graph().nodes().stream().filter(n -> n.op() instanceof StreamedBackward)
                .mapToLong(n -> n.updatedParameters().size()).sum();
    }

    /**
     * The backward phase's peak with and without streaming (the forward's peak, the early high-resolution blocks,
     * is issue 15's other half): the unstreamed figures are the issue's, the streamed ones are pinned.
     */
    @ParameterizedTest(name = "{1}")
    @CsvSource({"mcunet-5fps, mcunet-99kb, 127532, 58156", "mbv2-w0.35, mbv2-99kb, 124460, 46636",
        "proxyless-w0.3, proxyless-98kb, 76588, 38188"})
    void streamingCutsTheBackwardPeak(String model, String scheme, long whole, long streamed) {
        Graph g = CompilerTest.model(model);
        CompileOptions o = CompileOptions.preset(scheme, 1e-3f);
        assertEquals(whole, Compiler.compileUnchecked(g, Target.STM32F746, o.withStreamBackward(false)).report()
                .backwardPeakBytes());
        assertEquals(streamed, Compiler.compileUnchecked(g, Target.STM32F746, o).report().backwardPeakBytes());
    }

    private static byte[] bytes(Object array) {
        if (array instanceof byte[] b) {
            return b.clone();
        }
        if (array instanceof int[] i) {
            ByteBuffer bb = ByteBuffer.allocate(4 * i.length).order(ByteOrder.LITTLE_ENDIAN);
            bb.asIntBuffer().put(i);
            return bb.array();
        }
        float[] f = (float[]) array;
        ByteBuffer bb = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : f) {
            bb.putInt(Float.floatToRawIntBits(v));
        }
        return bb.array();
    }
}
