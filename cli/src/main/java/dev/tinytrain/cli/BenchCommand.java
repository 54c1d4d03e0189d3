package dev.tinytrain.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.MemoryReport;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.compiler.report.TextTable;
import dev.tinytrain.compiler.report.Units;
import dev.tinytrain.fileio.OutputFiles;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.planner.GlowCorpus;
import dev.tinytrain.planner.GlowCorpusBenchmark;
import dev.tinytrain.planner.GlowModel;
import dev.tinytrain.planner.PlacementStrategies;
import dev.tinytrain.planner.PlacementStrategy;
import dev.tinytrain.pruning.Presets;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tinytrain bench}: the memory benchmarks. {@code bench planner}: the planner on Glow's 79 allocation traces
 * (arena, LOAD and Glow's MEM per model, with totals). {@code bench schemes}: the three models under their five TTE
 * presets (arena, LOAD, SRAM, Flash, fits?) beside TTE's published peak memory.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: 'bench planner' (Glow allocator corpus), 'bench schemes' (TTE presets), 'bench insns'"
                + " (Cortex-M7 instructions under QEMU).",
        subcommands = {BenchCommand.Planner.class, BenchCommand.Schemes.class, InsnsBenchCommand.class, JvmBenchCommand.class})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("tinytrain bench: name a benchmark: planner or schemes");
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** The shared folder: the {@code tinytrain.shared} property, else {@code ../shared} from the working directory. */
    static Path sharedFolder() {
        String p = System.getProperty(GlowCorpus.SHARED_PROPERTY);
        return p != null && !p.isBlank() ? Path.of(p) : Path.of("..", "shared");
    }

    /** {@code bench planner}. */
    @Command(name = "planner", mixinStandardHelpOptions = true,
            description = "Plan each of Glow's 79 real allocation traces: our arena, LOAD (the lower bound) and Glow's"
                    + " MEM per model, with totals.")
    static final class Planner implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--corpus", paramLabel = "FILE",
                description = "Glow allocator corpus (default: ../shared/bench/glow-allocator-corpus.txt)")
        Path corpus;

        @Option(names = "--strategies", paramLabel = "A,B",
                description = "placement strategies to try (default: all standard strategies)")
        String strategies;

        @Override
        public Integer call() {
            Path file = corpus != null ? corpus : sharedFolder().resolve(GlowCorpus.RELATIVE_PATH);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("Glow allocator corpus not found at " + file.toAbsolutePath()
                        .normalize() + " (pass --corpus FILE)");
            }
            List<GlowModel> models;
            try {
                models = GlowCorpus.parse(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
            List<PlacementStrategy> s = strategies != null ? PlacementStrategies.standard().select(strategies)
                    : PlacementStrategies.standard().all();
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "planning %d models of %s ...%n", models.size(), file);
            err.flush();
            long t0 = System.nanoTime();
            List<GlowCorpusBenchmark.Row> rows = GlowCorpusBenchmark.run(models, s);
            PrintWriter out = spec.commandLine().getOut();
            out.print(GlowCorpusBenchmark.format(rows));
            out.flush();
            err.printf(Locale.ROOT, "planned %d models in %.1f s%n", rows.size(), (System.nanoTime() - t0) / 1e9);
            err.flush();
            return 0;
        }
    }

    /** {@code bench schemes}. */
    @Command(name = "schemes", mixinStandardHelpOptions = true,
            description = "Compile the three models under their five TTE presets each and print arena, LOAD,"
                    + " arena/LOAD, SRAM total, Flash and whether the step fits, beside TTE's published peak memory.")
    static final class Schemes implements Callable<Integer> {
        /** The models, in table order, with TTE's published peak (KB) and the scheme it is compared at. */
        static final List<Published> MODELS = List.of(
                new Published("mcunet-5fps", "MCUNet-5fps", 173, "mcunet-99kb"),
                new Published("mbv2-w0.35", "MbV2-w0.35", 141, "mbv2-99kb"),
                new Published("proxyless-w0.3", "Proxyless-w0.3", 135, "proxyless-98kb"));

        /**
         * TTE's peak memory with sparse update and operator reordering, TTE-FACTS §H (Fig. latency_peakmem (a)).
         *
         * @param model model folder name
         * @param label the paper's name
         * @param peakKb published peak, KB
         * @param scheme our preset of the same (100 KB-class) scheme
         */
        record Published(String model, String label, int peakKb, String scheme) {
        }

        /** One table row. */
        record Row(String model, String scheme, MemoryReport report, boolean fitsStm32, boolean fits256,
                   Integer ttePeakKb) {
        }

        @Spec
        CommandSpec spec;

        @Option(names = "--models", paramLabel = "DIR", description = "folder of the model folders (default: the"
                + " shipped models)")
        Path models;

        @Option(names = "--rounding", defaultValue = "stochastic", paramLabel = "MODE",
                converter = ReportCommand.RoundingConverter.class,
                description = "int8 update rounding (float_master adds master copies; default: ${DEFAULT-VALUE})")
        String rounding;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the rows as JSON to FILE")
        Path json;

        @Option(names = "--no-stream-backward",
                description = "compile each inverted-residual block's backward whole tensor by whole tensor instead "
                        + "of channel by channel of its expanded tensor")
        boolean noStreamBackward;

        @Option(names = "--no-stream-prefix",
                description = "compile the frozen high-resolution prefix on whole tensors instead of in row bands")
        boolean noStreamPrefix;

        @Option(names = "--recompute-budget", defaultValue = "0", paramLabel = "FRACTION",
                description = "fraction of the step's MACs the streamed prefix may recompute to lower the arena: 1x1 expansions are"
                    + " then fused into their depthwise convs (default: 0, nothing recomputed)")
        double recomputeBudget;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            List<Row> rows = new ArrayList<>();
            int total = 0;
            Map<Published, List<String>> schemes = new LinkedHashMap<>();
            for (Published p : MODELS) {
                if (models != null && !Files.isRegularFile(models.resolve(p.model()).resolve("model.json"))) {
                    throw new IllegalArgumentException("model folder " + models.resolve(p.model()).toAbsolutePath()
                            .normalize() + " has no model.json");
                }
                // TTE's five compile schemes of the model (named after their budget), not the golden presets
                List<String> names = Presets.names().stream().filter(n -> n.matches(".*-\\d+kb") && Presets.get(n)
                        .target().map(t -> t.model().equals(p.model())).orElse(false)).toList();
                schemes.put(p, names);
                total += names.size();
            }
            int done = 0;
            for (Map.Entry<Published, List<String>> e : schemes.entrySet()) {
                Published p = e.getKey();
                String model = models != null ? models.resolve(p.model()).toString() : p.model();
                Graph g = ModelInputs.load(model, 128, null, HeadSpec.DEFAULT_CLASSES).graph();
                for (String scheme : e.getValue()) {
                    long t0 = System.nanoTime();
                    MemoryReport r = Compiler.compileUnchecked(g, Target.STM32F746,
                            ModelInputs.options(scheme, 1e-3f, rounding).withStreamBackward(!noStreamBackward)
                                    .withStreamPrefix(!noStreamPrefix).withRecomputeBudget(recomputeBudget)).report();
                    rows.add(new Row(p.model(), scheme, r, r.fits(), fits(r, Target.TTE_256KB),
                            scheme.equals(p.scheme()) ? p.peakKb() : null));
                    err.printf(Locale.ROOT, "[%2d/%d] %s %s: arena %s B (%.1f s)%n", ++done, total, p.model(), scheme,
                            Units.bytes(r.arenaBytes()), (System.nanoTime() - t0) / 1e9);
                    err.flush();
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(table(rows));
            out.flush();
            if (json != null) {
                OutputFiles.writeString(json, json(rows), List.of());
                err.println("wrote " + json);
                err.flush();
            }
            return 0;
        }

        /** Whether the report's step fits {@code t} (same parts; the target's own stack, code and budgets). */
        static boolean fits(MemoryReport r, Target t) {
            long sram = r.sramTotalBytes() - r.stackBytes() + t.stackBytes();
            long flash = r.flashBytes() - r.codeBytes() + t.codeBytes();
            return sram <= t.sramBytes() && flash <= t.flashBytes();
        }

        static String table(List<Row> rows) {
            TextTable t = new TextTable("model", "scheme", ">arena B", ">LOAD B", ">bwd peak B", ">arena/LOAD",
                    ">SRAM total B", ">Flash B", "fits stm32f746", "fits 256 KB", ">arena KB", ">TTE peak KB", ">ours/TTE");
            String last = null;
            int fit = 0;
            int fit256 = 0;
            for (Row r : rows) {
                if (last != null && !last.equals(r.model())) {
                    t.rule();
                }
                last = r.model();
                MemoryReport m = r.report();
                fit += r.fitsStm32() ? 1 : 0;
                fit256 += r.fits256() ? 1 : 0;
                t.row(r.model(), r.scheme(), Units.bytes(m.arenaBytes()), Units.bytes(m.lowerBoundBytes()),
                        Units.bytes(m.backwardPeakBytes()),
                        Units.ratio(Units.arenaToLowerBound(m.arenaBytes(), m.lowerBoundBytes())),
                        Units.bytes(m.sramTotalBytes()), Units.bytes(m.flashBytes()), r.fitsStm32() ? "yes" : "NO",
                        r.fits256() ? "yes" : "NO", Units.kb(m.arenaBytes()),
                        r.ttePeakKb() == null ? "" : r.ttePeakKb(),
                        r.ttePeakKb() == null ? "" : String.format(Locale.ROOT, "%.2f",
                                m.arenaBytes() / 1024.0 / r.ttePeakKb()));
            }
            StringBuilder sb = new StringBuilder(t.render(""));
            sb.append(String.format(Locale.ROOT, "%d of %d fit the STM32F746 (320 KB SRAM, 1 MB Flash); %d of %d fit"
                    + " 256 KB SRAM.%n", fit, rows.size(), fit256, rows.size()));
            sb.append("bwd peak: the largest sum live at one step of the backward phase (after the loss).\n");
            sb.append("SRAM total = arena + trainable weights + biases + float head + master copies + 4 KB stack;"
                    + " Flash includes a 64 KB code estimate.\n");
            sb.append("TTE peak: TTE's published peak memory with sparse update and reordering (TTE-FACTS §H), set"
                    + " beside our preset of its ~100 KB scheme; like ours it leaves trainable parameters out.\n");
            return sb.toString();
        }

        static String json(List<Row> rows) {
            ObjectMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
            ArrayNode a = mapper.createArrayNode();
            for (Row r : rows) {
                MemoryReport m = r.report();
                ObjectNode o = a.addObject();
                o.put("model", r.model());
                o.put("scheme", r.scheme());
                o.put("arenaBytes", m.arenaBytes());
                o.put("lowerBoundBytes", m.lowerBoundBytes());
                o.put("backwardPeakBytes", m.backwardPeakBytes());
                o.put("arenaToLowerBound", Units.arenaToLowerBound(m.arenaBytes(), m.lowerBoundBytes()));
                o.put("sramTotalBytes", m.sramTotalBytes());
                o.put("flashBytes", m.flashBytes());
                o.put("fitsStm32f746", r.fitsStm32());
                o.put("fitsTte256kb", r.fits256());
                if (r.ttePeakKb() == null) {
                    o.putNull("ttePeakKb");
                } else {
                    o.put("ttePeakKb", r.ttePeakKb());
                }
            }
            try {
                return mapper.writeValueAsString(a) + "\n";
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
