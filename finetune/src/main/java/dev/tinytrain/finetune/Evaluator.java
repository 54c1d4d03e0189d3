package dev.tinytrain.finetune;

import dev.tinytrain.backend.jvm.ParameterArrays;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Test accuracy of the training session's current parameters: {@link TrainingSession#predict} (argmax of the
 * logits, first index on ties) on every test image, split over several threads. The training session itself
 * evaluates one share; each other thread has its own session of the same compiled model whose trained parameters
 * are copied from the training session before each evaluation (frozen parameters are the same in every session).
 * The result does not depend on the number of threads.
 */
public final class Evaluator implements AutoCloseable {
    private final TrainingSession trainer;
    private final List<TrainingSession> helpers = new ArrayList<>();
    private final List<Parameter> trained;
    private final ExecutorService pool;

    /**
     * @param compiled the compiled model (to make helper sessions)
     * @param trainer the session being trained
     * @param threads threads to evaluate with (at least 1)
     */
    public Evaluator(CompiledModel compiled, TrainingSession trainer, int threads) {
        this.trainer = trainer;
        this.trained = trainer.trainingGraph().graph().parameters().stream()
                .filter(p -> p.trainability().trainable()).toList();
        for (int i = 1; i < threads; i++) {
            helpers.add(compiled.newSession());
        }
        this.pool = helpers.isEmpty() ? null : Executors.newFixedThreadPool(helpers.size(), r -> {
            Thread t = new Thread(r, "tinytrain-eval");
            t.setDaemon(true);
            return t;
        });
    }

    /** Copies the trained parameters (their runtime arrays and int32 storage) from the trainer to a helper. */
    private void sync(TrainingSession to) {
        ParameterArrays src = trainer.parameters();
        ParameterArrays dst = to.parameters();
        for (Parameter p : trained) {
            Object a = src.get(p.name());
            Object b = dst.get(p.name());
            if (a instanceof byte[] x) {
                System.arraycopy(x, 0, (byte[]) b, 0, x.length);
            } else {
                float[] x = (float[]) a;
                System.arraycopy(x, 0, (float[]) b, 0, x.length);
            }
            if (p.value().type().dtype() == DType.INT32) {
                int[] x = src.int32(p.name());
                System.arraycopy(x, 0, dst.int32(p.name()), 0, x.length);
            }
        }
    }

    /** Number of test images predicted correctly. */
    public int correct(PreparedImages test) {
        int n = test.count();
        int parts = helpers.size() + 1;
        int chunk = (n + parts - 1) / parts;
        List<Future<Integer>> futures = new ArrayList<>();
        for (int h = 0; h < helpers.size(); h++) {
            TrainingSession s = helpers.get(h);
            sync(s);
            int from = Math.min(n, (h + 1) * chunk);
            int to = Math.min(n, from + chunk);
            futures.add(pool.submit(() -> count(s, test, from, to)));
        }
        int correct = count(trainer, test, 0, Math.min(n, chunk));
        try {
            for (Future<Integer> f : futures) {
                correct += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during evaluation", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("evaluation failed: " + e.getCause(), e.getCause());
        }
        return correct;
    }

    private static int count(TrainingSession s, PreparedImages test, int from, int to) {
        int correct = 0;
        for (int i = from; i < to; i++) {
            if (s.predict(test.image(i)) == test.label(i)) {
                correct++;
            }
        }
        return correct;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
