package dev.tinytrain.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.autodiff.Autodiff;
import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.planner.ArenaLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Finite differences through a whole derived training graph where they are meaningful: the float32 part of the
 * step (head weight and bias, softmax cross-entropy with tinytrain's own exp/log). The loss is re-evaluated in
 * float64 from the logits the compiled inference program computes after each perturbation; central differences
 * must match the gradients the step computes. Below the head the int8 rounding makes finite differences of the
 * network meaningless (a small change moves no rounded value); those rules are checked one by one on their
 * real-valued relaxation (straight-through estimator) in {@code BackwardKernelsGradientCheckTest}.
 */
class GraphGradientCheckTest {

    @Test
    void headGradientsMatchCentralDifferences() {
        // lr 0: the step computes gradients but changes nothing, so the same session can be probed
        TrainingGraph tg = Autodiff.differentiate(TinyGraphs.withHead(), TrainingOptions.of(0f, "float_master"));
        TrainingSession s = new TrainingSession(tg, ArenaLayout.sequential(tg.graph(), 4), 0);
        Random r = new Random(5);
        byte[] in = new byte[6 * 6 * 3];
        r.nextBytes(in);
        int label = 2;
        s.trainStep(in, label);
        for (String param : new String[] {"head.weight", "head.bias"}) {
            float[] grad = s.readFloat32(tg.gradient(param));
            float[] p = (float[]) s.parameters().get(param);
            for (int i = 0; i < p.length; i++) {
                float orig = p[i];
                float h = 1e-2f;
                p[i] = orig + h;
                double plus = loss(s.infer(in), label);
                p[i] = orig - h;
                double minus = loss(s.infer(in), label);
                p[i] = orig;
                double fd = (plus - minus) / (2.0 * h);
                assertTrue(Math.abs(fd - grad[i]) <= 2e-3 * Math.max(1, Math.abs(fd)),
                        param + "[" + i + "]: step " + grad[i] + " vs central difference " + fd);
            }
        }
    }

    private static double loss(float[] logits, int label) {
        double m = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            m = Math.max(m, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - m);
        }
        return -(logits[label] - m - Math.log(sum));
    }
}
