package dev.tinytrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.dataset.ArrowDatasets;
import dev.tinytrain.dataset.ImageDataset;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.pruning.PolicyJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tinytrain search} on a tiny IR JSON model and random 6x6 images: the scheme, resumption, bad input. */
class SearchCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path train;

    @BeforeAll
    static void files() throws Exception {
        model = dir.resolve("tiny.json");
        Files.writeString(model, IrJson.write(TinyGraphs.withHead()));
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 60;
        byte[] px = new byte[n * 108];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(3);
            for (int j = 0; j < 108; j++) {
                px[i * 108 + j] = (byte) (j % 3 == labels[i] ? 200 + rnd.nextInt(56) : rnd.nextInt(100));
            }
        }
        train = dir.resolve("train.arrow");
        ArrowDatasets.write(ImageDataset.of(6, 6, 3, px, labels), train);
    }

    /** The command line of a small search, with {@code overrides} (option, value, ...) replacing or adding options. */
    private static String[] args(Path out, Path records, String... overrides) {
        Map<String, String> opts = new LinkedHashMap<>();
        String[] base = {"--model", model.toString(), "--data", train.toString(), "--resolution", "6",
            "--budget-sram", "320KB", "--trial-steps", "12", "--val-limit", "10", "--train-limit", "40",
            "--population", "6", "--generations", "2", "--finalist-steps", "20", "--finalist-val-limit", "15", "--out", out.toString(), "--records", records.toString()};
        for (int i = 0; i < base.length; i += 2) {
            opts.put(base[i], base[i + 1]);
        }
        for (int i = 0; i < overrides.length; i += 2) {
            opts.put(overrides[i], overrides[i + 1]);
        }
        List<String> all = new ArrayList<>(List.of("search"));
        opts.forEach((k, v) -> {
            all.add(k);
            all.add(v);
        });
        return all.toArray(String[]::new);
    }

    @Test
    void writesASchemeTheOtherCommandsAcceptAndResumes() throws Exception {
        Path out = dir.resolve("scheme.json");
        Path records = dir.resolve("records.jsonl");
        CliRun r = CliRun.run(args(out, records));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("trial 1/"), r.err());
        assertTrue(r.err().contains("eta "), r.err());
        assertTrue(r.out().contains("Pareto front"), r.out());
        assertTrue(r.out().contains("chosen: bias "), r.out());
        assertTrue(r.out().contains("finalists re-measured (20 steps, seeds 0..1, seeded orders, 15 validation images)"), r.out());
        assertTrue(r.out().contains("measured mean +- standard error -> used by the search"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("*")), "the chosen finalist is marked: " + r.out());
        // a reference measured as the finalists: the chosen finalist's measurement printed again as a reference
        Path chosen = dir.resolve("chosen-copy.json");
        Files.copy(out, chosen, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun cmp = CliRun.run(args(dir.resolve("scheme2.json"), records, "--compare", chosen.toString()));
        assertEquals(0, cmp.exit(), cmp.err());
        String star = cmp.out().lines().filter(l -> l.startsWith("*")).findFirst().orElseThrow();
        String ref = cmp.out().lines().filter(l -> l.startsWith("=")).findFirst().orElseThrow();
        String measured = star.substring(star.indexOf('%', star.indexOf('%') + 1) - 6).split("%")[0].strip();
        assertTrue(ref.contains(measured + "% +-"), "the same scheme measures the same: " + star + " / " + ref);
        assertTrue(ref.endsWith("]") && ref.contains("--compare " + chosen), ref);
        PolicyJson.read(out); // a valid policy file
        long lines = Files.readAllLines(records).size();
        assertTrue(lines > 10, lines + " records");
        CliRun compile = CliRun.run("compile", "--graph", model.toString(), "--scheme", out.toString(), "--target",
                "stm32f746", "--out", dir.resolve("c-out").toString());
        assertEquals(0, compile.exit(), compile.err());
        CliRun again = CliRun.run(args(out, records));
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("resuming: " + lines + " of " + lines + " trials already recorded"),
                again.err());
        assertEquals(r.out(), again.out(), "the same table, front and scheme from the records");
        CliRun other = CliRun.run(args(out, records, "--trial-steps", "5", "--population", "4", "--generations", "0"));
        assertEquals(0, other.exit(), other.err());
        assertTrue(other.err().contains(lines + " record(s) of other studies"), other.err());
    }

    /**
     * With --finalist-order a finalist is measured as {@code finetune --order} trains: the same 40 images in the
     * file's order, seed S's rounding, scored on the validation rows 40..54 (finetune's default test rows after
     * --train-limit): the accuracy of each seed is finetune's, to the image.
     */
    @Test
    void finalistsWithAnOrderFileMeasureWhatFinetuneWithThatOrderGives() throws Exception {
        int[] perm = new int[40];
        for (int i = 0; i < 40; i++) {
            perm[i] = (i * 17 + 5) % 40; // 17 is prime to 40: a permutation
        }
        Path order = dir.resolve("perm40.i32");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(160).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.util.Arrays.stream(perm).forEach(b::putInt);
        Files.write(order, b.array());
        Path out = dir.resolve("ordered.json");
        CliRun r = CliRun.run(args(out, dir.resolve("ordered.jsonl"), "--finalists", "1", "--finalist-steps", "40",
                "--finalist-order", order.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("finalists re-measured (40 steps, seeds 0..1, order perm40.i32, 15 validation"
                + " images)"), r.out());
        String star = r.out().lines().filter(l -> l.startsWith("*")).findFirst().orElseThrow();
        String[] perSeed = star.substring(star.lastIndexOf('[') + 1, star.lastIndexOf(']')).split(" ");
        for (int seed = 0; seed < 2; seed++) {
            Path result = dir.resolve("ordered-finetune-s" + seed + ".json");
            CliRun ft = CliRun.run("finetune", "--model", model.toString(), "--scheme", out.toString(), "--data",
                    train.toString(), "--resolution", "6", "--train-limit", "40", "--test-limit", "15", "--order",
                    order.toString(), "--seed", "" + seed, "--out", result.toString());
            assertEquals(0, ft.exit(), ft.err());
            double finetuned = new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.toFile())
                    .get("finalTestAccuracy").asDouble();
            assertEquals(String.format(java.util.Locale.ROOT, "%.2f", finetuned), perSeed[seed],
                    "seed " + seed + ": " + star);
        }
        CliRun shortOrder = CliRun.run(args(out, dir.resolve("ordered.jsonl"), "--finalist-order",
                dir.resolve("missing.i32").toString()));
        assertEquals(1, shortOrder.exit());
        assertTrue(shortOrder.err().contains("missing.i32"), shortOrder.err());
        CliRun wrongLength = CliRun.run(args(out, dir.resolve("ordered.jsonl"), "--train-limit", "39",
                "--finalist-order", order.toString()));
        assertEquals(1, wrongLength.exit());
        assertTrue(wrongLength.err().contains("perm40.i32") && wrongLength.err().contains("expected N = 39"),
                wrongLength.err());
    }

    /**
     * --refine measures neighbours of the best finalist as the finalists were, and the scheme written is the best
     * measured of all (marked *): the refined one when a neighbour measured better, else the finalist (marked >).
     */
    @Test
    void refinementMeasuresNeighboursOfTheBestFinalistAndWritesTheBestMeasured() throws Exception {
        Path out = dir.resolve("refined.json");
        CliRun r = CliRun.run(args(out, dir.resolve("refined.jsonl"), "--finalists", "2", "--refine", "3"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("refine 1/3: bias "), r.err());
        assertTrue(r.out().contains("refined from the best finalist (3 neighbour(s) measured as the finalists, of at"
                + " most 3):"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith(">")), "the best finalist, refined: " + r.out());
        List<String> chosen = r.out().lines().filter(l -> l.startsWith("*")).toList();
        String written = PolicyJson.read(out).toString();
        if (chosen.isEmpty()) {
            assertTrue(r.out().contains("none: the best finalist stays"), r.out());
        } else {
            assertEquals(1, chosen.size(), r.out());
        }
        String line = chosen.isEmpty() ? r.out().lines().filter(l -> l.startsWith(">")).findFirst().orElseThrow()
                : chosen.get(0);
        String scheme = line.substring(line.indexOf("bias "), line.lastIndexOf(" ["));
        assertTrue(r.out().contains("chosen: " + scheme + ": predicted"), "the scheme written is the one marked: "
                + line + " / " + written);
    }

    /** The study key of a run (from stderr), which digests the training pool and the images the trials score. */
    private static String study(CliRun r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("study ([0-9a-f]{16})").matcher(r.err());
        assertTrue(m.find(), r.err());
        return m.group(1);
    }

    /** A copy of the training file with row {@code row}'s pixels inverted. */
    private static Path withRowChanged(int row, String name) throws Exception {
        ImageDataset ds = ArrowDatasets.read(train);
        byte[] px = new byte[ds.count() * 108];
        int[] labels = new int[ds.count()];
        for (int i = 0; i < ds.count(); i++) {
            ds.imageInto(i, px, i * 108);
            labels[i] = ds.label(i);
        }
        for (int j = 0; j < 108; j++) {
            px[row * 108 + j] = (byte) ~px[row * 108 + j];
        }
        Path f = dir.resolve(name);
        ArrowDatasets.write(ImageDataset.of(6, 6, 3, px, labels), f);
        return f;
    }

    /**
     * The trials are scored on the --val-limit rows of --data right after the training pool (rows 40..49 here),
     * not on a test set: changing row 45 changes the study, changing row 55 (used by nothing) does not, and each
     * record counts 10 images.
     */
    @Test
    void trialsAreScoredOnValidationRowsHeldOutAfterTheTrainingPool() throws Exception {
        String[] small = {"--repeats", "1", "--finalists", "0", "--generations", "0", "--population", "4",
            "--trial-steps", "4"};
        Path records = dir.resolve("val.jsonl");
        CliRun base = CliRun.run(args(dir.resolve("val.json"), records, small));
        assertEquals(0, base.exit(), base.err());
        assertTrue(base.err().contains("4 steps and 10 validation images"), base.err());
        assertTrue(Files.readAllLines(records).stream().allMatch(l -> l.contains("\"total\":10")));
        List<String> unused = new ArrayList<>(List.of(small));
        unused.addAll(List.of("--data", withRowChanged(55, "row55.arrow").toString()));
        CliRun same = CliRun.run(args(dir.resolve("val.json"), dir.resolve("val55.jsonl"),
                unused.toArray(String[]::new)));
        assertEquals(study(base), study(same), "row 55 is neither training pool nor validation");
        List<String> val = new ArrayList<>(List.of(small));
        val.addAll(List.of("--data", withRowChanged(45, "row45.arrow").toString()));
        CliRun other = CliRun.run(args(dir.resolve("val.json"), dir.resolve("val45.jsonl"),
                val.toArray(String[]::new)));
        assertTrue(!study(base).equals(study(other)), "row 45 is a validation image");
        CliRun tooFew = CliRun.run(args(dir.resolve("val.json"), records, "--val-limit", "21"));
        assertEquals(1, tooFew.exit());
        assertTrue(tooFew.err().contains("fewer than the 61 asked for (training pool, then the --val-limit"
                + " and --finalist-val-limit validation images"), tooFew.err());
        assertEquals(2, CliRun.run(args(dir.resolve("val.json"), records, "--test-data", train.toString())).exit(),
                "trials are never scored on a test set: the option is gone");
    }

    @Test
    void shardsRunTheirShareAndMergeByConcatenation() throws Exception {
        Path out = dir.resolve("merged.json");
        Path s0 = dir.resolve("s0.jsonl");
        Path s1 = dir.resolve("s1.jsonl");
        CliRun a = CliRun.run(args(out, s0, "--shard", "0/2"));
        CliRun b = CliRun.run(args(out, s1, "--shard", "1/2"));
        assertEquals(0, a.exit(), a.err());
        assertEquals(0, b.exit(), b.err());
        assertTrue(a.out().startsWith("shard 0/2: ran "), a.out());
        assertTrue(!Files.exists(out), "a shard does not search");
        Path merged = dir.resolve("merged.jsonl");
        Files.writeString(merged, Files.readString(s0) + Files.readString(s1));
        CliRun r = CliRun.run(args(out, merged));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("resuming: "), r.err());
        assertTrue(!r.err().contains("trial 1/"), "no trial runs again: " + r.err());
        assertTrue(Files.exists(out));
        CliRun bad = CliRun.run(args(out, merged, "--shard", "2/2"));
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("--shard: I must lie in [0, N)"), bad.err());
    }

    @Test
    void badValuesNameTheirOptionAndExitOne() {
        Path out = dir.resolve("never.json");
        Path records = dir.resolve("never.jsonl");
        CliRun r = CliRun.run(args(out, records, "--budget-sram", "12XB"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--budget-sram: must be bytes or a size such as 256KB, got '12XB'"), r.err());
        r = CliRun.run(args(out, records, "--budget-sram", "400KB"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--budget-sram: 409,600 B exceeds the 327,680 B of SRAM of stm32f746"), r.err());
        r = CliRun.run(args(out, records, "--trial-steps", "0"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--trial-steps: must be >= 1"), r.err());
        r = CliRun.run(args(out, records, "--bias-window", "9"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--bias-window: must be in [1, 3]"), r.err());
        r = CliRun.run(args(out, records, "--ratios", "0.5,2"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--ratios: each must be in (0, 1], got 2.0"), r.err());
        r = CliRun.run(args(out, records, "--bias-lr", "NaN"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--bias-lr: must be finite and >= 0, got NaN"), r.err());
        r = CliRun.run(args(out, records, "--rounding", "up"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--rounding must be one of"), r.err());
        r = CliRun.run(args(out, records, "--shrink", "-1"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--shrink: must be a finite number of standard errors >= 0, got -1.0"), r.err());
        r = CliRun.run(args(out, records, "--finalist-steps", "0"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--finalist-steps: must be >= 1"), r.err());
        r = CliRun.run(args(out, records, "--finalist-spread", "0"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--finalist-spread: must be >= 1"), r.err());
        r = CliRun.run(args(out, records, "--refine", "-1"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--refine: must be >= 0, got -1"), r.err());
        r = CliRun.run(args(out, records, "--refine", "2", "--finalists", "0"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--refine: refines the best measured finalist, so it needs --finalists >= 1"),
                r.err());
        r = CliRun.run(args(out, records, "--finalist-val-limit", "21"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("fewer than the 61 asked for"), r.err());
        r = CliRun.run(args(out, records, "--budget-sram", "10"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--budget-sram: no scheme fits 10 B"), r.err());
        assertTrue(!Files.exists(out), "nothing written");
    }

    @Test
    void aRecordsFileThatIsAPipeIsRefusedNotWaitedOn() throws Exception {
        Path out = dir.resolve("never2.json");
        Path fifo = dir.resolve("records.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor(), "mkfifo");
        try {
            CliRun r = CliRun.run(args(out, fifo));
            assertEquals(1, r.exit());
            assertTrue(r.err().contains(fifo.toString()) && r.err().contains("not a regular file"), r.err());
            assertTrue(!Files.exists(out), "nothing written");
        } finally {
            Files.delete(fifo);
        }
    }

    @Test
    void usageErrorsExitTwo() {
        CliRun noOut = CliRun.run("search", "--model", model.toString(), "--data", train.toString(), "--budget-sram",
                "1KB");
        assertEquals(2, noOut.exit(), "--out is missing: " + noOut.err());
        assertTrue(noOut.err().contains("Missing required option: '--out=FILE.json'"), noOut.err());
        assertEquals(2, CliRun.run(args(dir.resolve("x.json"), dir.resolve("x.jsonl"), "--trial-steps", "many"))
                .exit());
    }
}
