package dev.tinytrain.cli;

import dev.tinytrain.backend.jvm.OpProfile;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.ir.importer.HeadSpec;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tinytrain bench jvm}: the JVM backend's steady-state time per training step and per inference, one thread,
 * for the real models compiled for the STM32F746 (the same plan as the C image). Each scheme is warmed up, then
 * every run is timed on its own and the median with p10 and p90 is printed; {@code --profile} adds a breakdown of
 * one step's and one inference's time by op kind from separately compiled, instrumented programs.
 */
@Command(name = "jvm", mixinStandardHelpOptions = true,
        description = "Steady-state milliseconds per training step and per inference on the JVM (one thread): median,"
                + " p10 and p90 over --runs timed runs after --warmup untimed ones.")
final class JvmBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BenchSchemes measured;

    @Option(names = "--warmup", defaultValue = "300", paramLabel = "N",
            description = "untimed steps and inferences first, so the JIT has compiled the kernels"
                    + " (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--runs", defaultValue = "400", paramLabel = "N",
            description = "timed steps and timed inferences per scheme (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--profile", description = "also print the time of one step and of one inference by op kind (instrumented programs)")
    boolean profile;

    @Override
    public Integer call() {
        if (warmup < 0 || runs < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --runs >= 1");
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "JVM backend, one thread, %s %s; rounding %s; %s; %d warm-up and %d timed runs each%n",
                System.getProperty("java.vm.name"), System.getProperty("java.version"), measured.rounding,
                measured.streamingNote(), warmup, runs);
        o.printf(Locale.ROOT, "%-15s %-16s %27s %9s %27s %9s%n", "model", "scheme", "train step ms (p10 med p90)",
                "cpu med", "inference ms (p10 med p90)", "cpu med");
        o.flush();
        for (String scheme : measured.schemes) {
            String model = CModels.presetModel(scheme);
            CompiledModel c = CModels.compile(model, scheme, measured.rounding, 1e-3f, HeadSpec.DEFAULT_CLASSES,
                    !measured.noStreamPrefix, !measured.noStreamBackward, measured.recomputeBudget).model();
            TrainingSession s = c.newSession();
            Random r = new Random(1);
            byte[][] images = new byte[8][Math.toIntExact(c.step().input().type().elementCount())];
            for (byte[] image : images) {
                r.nextBytes(image);
            }
            double[] train = time(i -> s.trainStep(images[i % images.length], i % 10));
            double[] infer = time(i -> s.infer(images[i % images.length]));
            o.printf(Locale.ROOT, "%-15s %-16s %8.2f %8.2f %9.2f %9.2f %8.2f %8.2f %9.2f %9.2f%n", model, scheme,
                    train[0], train[1], train[2], train[3], infer[0], infer[1], infer[2], infer[3]);
            o.flush();
            if (profile) {
                printProfile(o, c, images);
            }
        }
        return 0;
    }

    /** One timed action: run {@code i}. */
    private interface Run {
        void run(int i);
    }

    /**
     * p10, median and p90 of the wall time in ms of {@link #runs} timed runs after {@link #warmup} untimed ones, and
     * the median of the thread's CPU time (on a shared machine the wall clock also counts other processes' turns).
     */
    private double[] time(Run run) {
        for (int i = 0; i < warmup; i++) {
            run.run(i);
        }
        long[] ns = new long[runs];
        long[] cpu = new long[runs];
        for (int i = 0; i < runs; i++) {
            long c0 = OpProfile.now();
            long t0 = System.nanoTime();
            run.run(i);
            ns[i] = System.nanoTime() - t0;
            cpu[i] = OpProfile.now() - c0;
        }
        Arrays.sort(ns);
        Arrays.sort(cpu);
        return new double[] {percentile(ns, 0.1) / 1e6, percentile(ns, 0.5) / 1e6, percentile(ns, 0.9) / 1e6,
                percentile(cpu, 0.5) / 1e6};
    }

    /** The nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double p) {
        int k = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, k))];
    }

    private void printProfile(PrintWriter o, CompiledModel c, byte[][] images) {
        OpProfile stepProfile = new OpProfile();
        OpProfile inferenceProfile = new OpProfile();
        TrainingSession s = new TrainingSession(c.step(), c.step().graph().nodes(), c.plan().layout(),
                c.options().training().seed(), stepProfile, inferenceProfile);
        for (int i = 0; i < warmup; i++) {
            s.trainStep(images[i % images.length], i % 10);
            s.infer(images[i % images.length]);
        }
        stepProfile.reset();
        inferenceProfile.reset();
        for (int i = 0; i < runs; i++) {
            s.trainStep(images[i % images.length], i % 10);
        }
        for (int i = 0; i < runs; i++) {
            s.infer(images[i % images.length]);
        }
        printProfile(o, "one step", stepProfile);
        printProfile(o, "one inference", inferenceProfile);
        o.flush();
    }

    private void printProfile(PrintWriter o, String what, OpProfile p) {
        Map<String, Long> byKind = p.nanosByGroup();
        Map<String, Long> macs = p.macsByGroup();
        long total = byKind.values().stream().mapToLong(Long::longValue).sum();
        o.printf(Locale.ROOT, "  %s by op kind (instrumented, CPU time, mean over %d runs):%n", what, runs);
        byKind.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).forEach(e ->
                o.printf(Locale.ROOT, "    %-34s %8.3f ms %5.1f %% %8.2f M MACs %6.2f GMAC/s%n", e.getKey(),
                        e.getValue() / 1e6 / runs, 100.0 * e.getValue() / total, macs.get(e.getKey()) / 1e6,
                        macs.get(e.getKey()) * (double) runs / Math.max(1, e.getValue())));
    }
}
