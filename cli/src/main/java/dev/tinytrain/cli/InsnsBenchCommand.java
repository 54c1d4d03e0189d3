package dev.tinytrain.cli;

import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.backend.c.CTools;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tinytrain bench insns}: the instructions one {@code tt_train_step} and one {@code tt_infer} execute on the
 * Cortex-M7, counted exactly under QEMU by the insncount plugin -- instructions, not cycles: QEMU models neither
 * dual issue, caches, TCM timing nor Flash wait states. Then, from a second build with a benchmark region around
 * every op call ({@code CModelRunner.Platform.QEMU_M7_OPS}), the same instructions by op kind with instructions
 * per multiply-accumulate.
 */
@Command(name = "insns", mixinStandardHelpOptions = true,
        description = "Instructions of one tt_train_step and one tt_infer on the Cortex-M7 (QEMU, exact counts) "
                + "per model and scheme, beside TTE's measured latency.")
final class InsnsBenchCommand implements Callable<Integer> {
    /** TTE's measured training latency per image on the STM32F746 at 216 MHz (TTE-FACTS §H), by model. */
    static double tteMillis(String model) {
        return switch (model) {
            case "mbv2-w0.35" -> 373;
            case "proxyless-w0.3" -> 443;
            case "mcunet-5fps" -> 546;
            default -> Double.NaN;
        };
    }

    /**
     * Arm CMSIS-NN's inference on the same weights and shapes (commit 99f736a, gcc 12.2 -O2, the same QEMU counter),
     * millions of instructions, as measured for issue 11.
     */
    static double cmsisNnMillions(String model) {
        return switch (model) {
            case "mbv2-w0.35" -> 73.4;
            case "proxyless-w0.3" -> 92.0;
            case "mcunet-5fps" -> 86.5;
            default -> Double.NaN;
        };
    }

    @Spec
    CommandSpec spec;

    @Mixin
    BenchSchemes measured;

    @Option(names = "--model", paramLabel = "NAME|DIR|FILE", description = "measure this model (e.g. a .tflite file,"
            + " with --schemes head-only) with every --schemes preset instead of the preset's own shipped model; no"
            + " TTE or CMSIS-NN figures then")
    String model;

    @Option(names = "--shared", paramLabel = "DIR", description = "the shared folder with "
            + "tools/qemu-insncount/ (default: tinytrain.shared, else ../shared)")
    Path shared;

    @Option(names = "--c-cache", paramLabel = "DIR", description = "cache of emitted C models (default: "
            + "tinytrain.c.cache, else <tmp>/tinytrain-c-cache)")
    Path cCache;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "limit of one QEMU run (default: ${DEFAULT-VALUE})")
    long timeout;

    @Option(names = "--no-breakdown", description = "skip the per-op-kind breakdown (a second build and run)")
    boolean noBreakdown;

    @Option(names = "--nodes", description = "also list every op of the training step with its instructions")
    boolean nodes;

    @Option(names = "--stream-overhead", description = "also count the step with the frozen prefix on whole tensors "
            + "and the step with the whole-tensor backward, and print what each kind of streaming costs (issue 15; "
            + "up to two more QEMU runs per scheme)")
    boolean streamOverhead;

    @Override
    public Integer call() {
        Path sh = shared != null ? shared : BenchCommand.sharedFolder();
        Path cache = CModels.cache(cCache);
        PrintWriter o = spec.commandLine().getOut();
        Path plugin;
        try {
            plugin = CModelRunner.insnCountPlugin(sh.resolve("tools/qemu-insncount/insncount.c"), cache);
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("cannot build the insncount plugin: " + e.getMessage(), e);
        }
        o.printf(Locale.ROOT, "Cortex-M7 instructions under QEMU (exact counts; instructions, not cycles), rounding "
                + "%s; %s%n", measured.rounding, measured.streamingNote());
        o.printf(Locale.ROOT, "%-15s %-16s %16s %16s %11s %20s %20s %18s%n", "model", "scheme", "tt_train_step",
                "tt_infer", "TTE (ms)", "TTE cycles @216MHz", "insns per TTE cycle", "CMSIS-NN infer");
        StringBuilder breakdowns = new StringBuilder();
        StringBuilder overheads = new StringBuilder();
        for (String scheme : measured.schemes) {
            String model = this.model != null ? this.model : CModels.presetModel(scheme);
            CModels.Compiled compiled = CModels.compile(model, scheme, measured.rounding, 1e-3f,
                    HeadSpec.DEFAULT_CLASSES, !measured.noStreamPrefix, !measured.noStreamBackward, measured.recomputeBudget);
            CompiledModel c = compiled.model();
            CModel m = compiled.toC();
            byte[] image = new byte[Math.toIntExact(c.step().input().type().elementCount())];
            new Random(1).nextBytes(image);
            CModelRunner.Commands commands = new CModelRunner.Commands().benchTrain(image, 3).benchTrain(image, 4)
                    .benchInfer(image);
            List<Long> counts = count(m, cache, scheme, CModelRunner.Platform.QEMU_M7, commands, plugin);
            // the markers add 2 instructions to every region (the plugin's README)
            long train = counts.get(1) - 2;
            long infer = counts.get(2) - 2;
            if (this.model != null) { // TTE and CMSIS-NN measured the shipped models only
                o.printf(Locale.ROOT, "%-15s %-16s %,16d %,16d %11s %20s %20s %18s%n", c.forward().name(), scheme,
                        train, infer, "-", "-", "-", "-");
            } else {
                double ms = tteMillis(model);
                double cycles = ms * 1e-3 * 216e6;
                o.printf(Locale.ROOT, "%-15s %-16s %,16d %,16d %11.0f %,20.0f %20.2f %,18.0f%n", model, scheme, train,
                        infer, ms, cycles, train / cycles, cmsisNnMillions(model) * 1e6);
            }
            o.flush();
            if (streamOverhead && !c.report().bandRegions().isEmpty()) {
                CModels.Compiled whole = CModels.compile(model, scheme, measured.rounding, 1e-3f,
                        HeadSpec.DEFAULT_CLASSES, false, !measured.noStreamBackward, 0);
                List<Long> w = count(whole.toC(), cache, scheme, CModelRunner.Platform.QEMU_M7, commands, plugin);
                overheads.append(streamingOverhead(scheme, c, whole.model(), train, infer, w.get(1) - 2,
                        w.get(2) - 2));
            }
            if (streamOverhead) {
                CModel whole = CModels.compile(model, scheme, measured.rounding, 1e-3f, HeadSpec.DEFAULT_CLASSES,
                        !measured.noStreamPrefix, measured.noStreamBackward, measured.recomputeBudget).toC();
                long other = count(whole, cache, scheme, CModelRunner.Platform.QEMU_M7, commands, plugin).get(1) - 2;
                long streamed = measured.noStreamBackward ? other : train;
                long unstreamed = measured.noStreamBackward ? train : other;
                o.printf(Locale.ROOT, "  %s: tt_train_step %,d streamed, %,d whole-tensor backward: streaming costs "
                        + "%+,d instructions (%+.1f %%)%n", scheme, streamed, unstreamed, streamed - unstreamed,
                        100.0 * (streamed - unstreamed) / unstreamed);
                o.flush();
            }
            if (!noBreakdown) {
                List<Long> ops = count(m, cache, scheme, CModelRunner.Platform.QEMU_M7_OPS, commands, plugin);
                breakdowns.append(breakdown(c, m, scheme, ops, train, infer));
                if (nodes) {
                    breakdowns.append(perNode(c, m, ops));
                }
            }
        }
        o.printf(Locale.ROOT, "(tt_train_step: the second step of a run; TTE: measured training latency per image, "
                + "TTE-FACTS H. At 1 instruction per cycle a step would take insns / 216e6 s. CMSIS-NN: Arm's "
                + "inference on the same weights and shapes, issue 11.)%n");
        if (overheads.length() > 0) {
            o.print("\nStreaming the frozen prefix in row bands (line buffers) against whole tensors:\n" + overheads);
        }
        if (!noBreakdown) {
            o.print("\nBy op kind (one region per op call; MACs of the op kind; the rest of a step runs between "
                    + "the calls):\n" + breakdowns);
            o.printf(Locale.ROOT, "(CMSIS-NN per MAC, issue 11: 1x1 projections 2.0-2.2, 1x1 expansions 3.2-4.4, "
                    + "first conv 4.9, depthwise 8.0-8.5; residual add about 81 per element.)%n");
        }
        o.flush();
        return 0;
    }

    /** One scheme's arena and instructions with the prefix in row bands against whole tensors. */
    static String streamingOverhead(String scheme, CompiledModel banded, CompiledModel whole, long train, long infer,
                                    long wholeTrain, long wholeInfer) {
        var b = banded.report().bandRegions().get(0);
        return String.format(Locale.ROOT, "  %-16s arena %,d B (whole tensors %,d B), forward peak %,d B (%,d B);"
                + " %d layers, %d rows per band, %d kernel calls, %,d B shifted, %,d recomputed MACs;"
                + " tt_train_step %+,d insns (%+.2f %%), tt_infer %+,d insns (%+.2f %%)%n", scheme,
                banded.report().arenaBytes(), whole.report().arenaBytes(), banded.report().forwardPeakBytes(),
                whole.report().forwardPeakBytes(), b.layers().size(), b.bandRows(), b.kernelCalls(), b.shiftedBytes(),
                b.recomputedMacs(), train - wholeTrain, 100.0 * (train - wholeTrain) / wholeTrain,
                infer - wholeInfer, 100.0 * (infer - wholeInfer) / wholeInfer);
    }

    private List<Long> count(CModel m, Path cache, String scheme, CModelRunner.Platform platform,
                             CModelRunner.Commands commands, Path plugin) {
        try {
            CModelRunner q = CModelRunner.build(CModelRunner.materialize(m, cache), platform);
            return q.run(commands, Duration.ofSeconds(timeout), plugin).instructions();
        } catch (CTools.MissingToolException | CTools.CommandException e) {
            throw new IllegalArgumentException("cannot run " + scheme + " under QEMU: " + e.getMessage(), e);
        }
    }

    /** Instructions and MACs of one op kind in one step function. */
    private static final class Tally {
        long ops;
        long insns;
        long macs;
    }

    /**
     * The per-kind table of one scheme from the regions of a {@code QEMU_M7_OPS} run of two training steps and one
     * inference (the second step's regions and the inference's are reported).
     */
    static String breakdown(CompiledModel c, CModel m, String scheme, List<Long> regions, long train, long infer) {
        List<String> trainOps = m.profiledOps().get("tt_train_step");
        List<String> inferOps = m.profiledOps().get("tt_infer");
        if (regions.size() != 2 * trainOps.size() + inferOps.size()) {
            throw new IllegalStateException(scheme + ": " + regions.size() + " counted regions, expected "
                    + (2 * trainOps.size() + inferOps.size()) + " (two steps and one inference, one per op)");
        }
        Map<String, Node> nodes = new HashMap<>();
        c.step().graph().nodes().forEach(n -> nodes.put(n.name(), n));
        Map<String, Tally> step = tally(trainOps, regions.subList(trainOps.size(), 2 * trainOps.size()), nodes);
        Map<String, Tally> inf = tally(inferOps, regions.subList(2 * trainOps.size(), regions.size()), nodes);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s%n  %-30s %5s %14s %14s %9s %14s %9s%n",
                scheme, "op kind", "ops", "MACs", "tt_train_step", "per MAC", "tt_infer", "per MAC"));
        long stepSum = 0;
        long inferSum = 0;
        for (Map.Entry<String, Tally> e : step.entrySet()) {
            Tally t = e.getValue();
            Tally i = inf.get(e.getKey());
            stepSum += t.insns;
            inferSum += i == null ? 0 : i.insns;
            sb.append(String.format(Locale.ROOT, "  %-30s %5d %,14d %,14d %9s %14s %9s%n", e.getKey(), t.ops, t.macs,
                    t.insns, perMac(t.insns, t.macs), i == null ? "" : String.format(Locale.ROOT, "%,d", i.insns),
                    i == null ? "" : perMac(i.insns, i.macs)));
        }
        sb.append(String.format(Locale.ROOT, "  %-30s %5s %14s %,14d %9s %,14d%n", "(between op calls)", "", "",
                train - stepSum, "", infer - inferSum));
        return sb.toString();
    }

    /** One line per op of the second training step: name, kind, MACs, instructions, per MAC. */
    static String perNode(CompiledModel c, CModel m, List<Long> regions) {
        List<String> trainOps = m.profiledOps().get("tt_train_step");
        Map<String, Node> byName = new HashMap<>();
        c.step().graph().nodes().forEach(n -> byName.put(n.name(), n));
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < trainOps.size(); k++) {
            Node n = byName.get(trainOps.get(k));
            long insns = regions.get(trainOps.size() + k) - 2;
            sb.append(String.format(Locale.ROOT, "    %-44s %-28s %,12d %,12d %7s%n", n.name(), kind(n), n.macs(),
                    insns, perMac(insns, n.macs())));
        }
        return sb.toString();
    }

    private static Map<String, Tally> tally(List<String> names, List<Long> regions, Map<String, Node> nodes) {
        Map<String, Tally> by = new LinkedHashMap<>();
        for (String kind : List.of("fwd band region", "fwd conv 1x1", "fwd conv depthwise",
                "fwd conv dense kxk (first)", "fwd add", "fwd pool", "fwd head", "loss", "bwd input-grad conv 1x1", "bwd input-grad depthwise",
                "bwd input-grad dense kxk", "bwd elementwise + head", "bwd weight-grad (+update)",
                "bwd bias-grad (+update)", "bwd update", "bwd channel slice", STREAMED)) {
            by.put(kind, new Tally());
        }
        for (int k = 0; k < names.size(); k++) {
            Node n = nodes.get(names.get(k));
            if (n == null) {
                throw new IllegalStateException("no node '" + names.get(k) + "' in the step");
            }
            Tally t = by.computeIfAbsent(kind(n), unlisted -> new Tally());
            t.ops++;
            t.insns += regions.get(k) - 2; // the markers' own 2 instructions
            t.macs += n.macs();
        }
        by.values().removeIf(t -> t.ops == 0);
        return by;
    }

    private static String perMac(long insns, long macs) {
        return macs == 0 ? "" : String.format(Locale.ROOT, "%.2f", (double) insns / macs);
    }

    /** The breakdown row of a channel-streamed region (a block's whole backward below its projection's g'). */
    private static final String STREAMED = "bwd streamed block";

    /** The breakdown row of a node. */
    static String kind(Node n) {
        return switch (n.op().kind()) {
            case CONV2D -> "fwd conv " + convShape(n.inputs().get(1));
            case QUANTIZED_ADD -> "fwd add";
            case GLOBAL_AVG_POOL -> "fwd pool";
            case DEQUANTIZE, LINEAR, RESHAPE -> "fwd head";
            case SOFTMAX_CROSS_ENTROPY -> "loss";
            case CONV_GRAD_INPUT -> "bwd input-grad " + (convShape(n.inputs().get(1)).startsWith("dense")
                    ? "dense kxk" : convShape(n.inputs().get(1)).equals("1x1") ? "conv 1x1" : "depthwise");
            case LINEAR_GRAD_INPUT, DEQUANTIZE_GRAD, AVG_POOL_GRAD, ADD_GRAD, ACCUMULATE, CONV_GRAD_OUTPUT ->
                    "bwd elementwise + head";
            case CONV_GRAD_WEIGHT, CONV_GRAD_WEIGHT_UPDATE, LINEAR_GRAD_WEIGHT, LINEAR_GRAD_WEIGHT_UPDATE ->
                    "bwd weight-grad (+update)";
            case CONV_GRAD_BIAS, CONV_GRAD_BIAS_UPDATE -> "bwd bias-grad (+update)";
            case SGD_UPDATE -> "bwd update";
            case CHANNEL_SLICE -> "bwd channel slice";
            case STREAMED_BACKWARD -> STREAMED;
            case TFLITE_CONV2D -> "fwd tfl conv " + convShape(n.inputs().get(1));
            case TFLITE_ADD -> "fwd tfl add";
            case TFLITE_MEAN, TFLITE_POOL -> "fwd tfl pool";
            case TFLITE_PAD, TFLITE_CONCAT, TFLITE_RELU, TFLITE_SOFTMAX, TFLITE_QUANTIZE -> "fwd tfl other";
            case BAND_REGION -> "fwd band region";
            case TFLITE_PAD_GRAD, TFLITE_POOL_GRAD, TFLITE_CONCAT_GRAD -> "bwd tfl pad/pool/concat";
        };
    }

    private static String convShape(Value weight) {
        if (weight.type().layout() == Layout.DEPTHWISE) {
            return "depthwise";
        }
        return Conv2d.kernelHeight(weight) == 1 && Conv2d.kernelWidth(weight) == 1 ? "1x1" : "dense kxk (first)";
    }
}
