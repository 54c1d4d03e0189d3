package dev.tinytrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.finetune.PreparedImages;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.TinyGraphs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contribution analysis on a tiny model and random data: records, resumption, threads. */
class ContributionAnalysisTest {

    /** 40 random 6x6x3 images whose label is the channel with the largest sum (learnable), 3 classes. */
    static PreparedImages images(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] im = new byte[n][108];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            long[] sums = new long[3];
            for (int j = 0; j < 108; j++) {
                im[i][j] = (byte) rnd.nextInt(-128, 128);
                sums[j % 3] += im[i][j];
            }
            labels[i] = sums[0] >= sums[1] && sums[0] >= sums[2] ? 0 : sums[1] >= sums[2] ? 1 : 2;
        }
        return PreparedImages.of(im, labels);
    }

    static ContributionAnalysis analysis() {
        Graph g = TinyGraphs.withHead();
        AnalysisSettings s = AnalysisSettings.forWindow(3, 3, 30, 20).withRepeats(2, 5).withTraining(0.05f, 0.05f,
                "stochastic", true);
        return new ContributionAnalysis(g, images(1, 25), images(2, 20), s);
    }

    private static Map<String, TrialRecord> byKey(TrialLog log) {
        return log.records().stream().collect(Collectors.toMap(TrialRecord::key, Function.identity()));
    }

    private static void assertSameOutcomes(TrialLog a, TrialLog b) {
        Map<String, TrialRecord> x = byKey(a);
        Map<String, TrialRecord> y = byKey(b);
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            assertTrue(x.get(k).sameOutcome(y.get(k)), k + ": " + x.get(k) + " vs " + y.get(k));
        }
    }

    @Test
    void theTrialsCoverTheSweepAndSkipRatiosKeepingNoChannel() {
        List<TrialSpec> trials = analysis().trials();
        // per repeat: head, bias 1, 2, 3; conv 2 (pw, 4 in) and conv 1 (dw, 4) at 1/4, 1/2, 1; conv 0 (3 in) at 1/2, 1
        assertEquals(2 * (4 + 3 + 3 + 2), trials.size());
        assertTrue(trials.contains(TrialSpec.weight(3, 0, 0.5, 1)));
        assertTrue(trials.stream().noneMatch(t -> t.ratio() == 0.125));
    }

    @Test
    void threadsGiveTheSameRecordsAsOneThread() {
        ContributionAnalysis a = analysis();
        TrialLog one = TrialLog.inMemory();
        ContributionEstimates t1 = a.run(one, 1, AnalysisListener.NONE);
        TrialLog three = TrialLog.inMemory();
        ContributionEstimates t3 = analysis().run(three, 3, AnalysisListener.NONE);
        assertSameOutcomes(one, three);
        assertEquals(t1, t3);
        assertEquals(a.trials().size(), one.records().size());
        // the bias gain of the base window is the baseline of the weights: the table is paired differences
        double head = one.records().stream().filter(r -> r.spec().kind() == TrialSpec.Kind.HEAD)
                .mapToDouble(TrialRecord::accuracy).average().orElseThrow();
        assertEquals(head, t1.headAccuracy(), 1e-9);
        assertEquals(List.of(0, 1, 2), List.copyOf(t1.weightGain().keySet()));
    }

    @Test
    void anInterruptedAnalysisResumesWithoutRerunningDoneTrials(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("records.jsonl");
        int total = analysis().trials().size();
        // first run: interrupted after 5 trials (the listener throws, as a kill would stop it)
        try (TrialLog log = TrialLog.open(file)) {
            AtomicInteger n = new AtomicInteger();
            assertThrows(IllegalStateException.class, () -> analysis().run(log, 1, new AnalysisListener() {
                @Override
                public void trialFinished(TrialRecord record, int finished, int toRun) {
                    if (n.incrementAndGet() == 5) {
                        throw new IllegalStateException("killed");
                    }
                }
            }));
        }
        // and the kill cut a line short
        Files.writeString(file, "{\"format\":\"tinytrain-contribution-trial/1\",\"key\":\"ab", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        int[] started = new int[2];
        AtomicInteger ran = new AtomicInteger();
        TrialLog resumed = TrialLog.open(file);
        assertEquals(5, resumed.records().size());
        assertEquals(1, resumed.truncatedLines());
        ContributionEstimates t;
        try (resumed) {
            t = analysis().run(resumed, 2, new AnalysisListener() {
                @Override
                public void started(int all, int done) {
                    started[0] = all;
                    started[1] = done;
                }

                @Override
                public void trialFinished(TrialRecord record, int finished, int toRun) {
                    ran.incrementAndGet();
                }
            });
        }
        assertEquals(total, started[0]);
        assertEquals(5, started[1]);
        assertEquals(total - 5, ran.get());
        TrialLog reread = TrialLog.open(file);
        assertEquals(0, reread.truncatedLines(), "the cut line was followed by a newline, then whole lines");
        assertEquals(total, reread.records().size());
        TrialLog fresh = TrialLog.inMemory();
        assertEquals(t, analysis().run(fresh, 1, AnalysisListener.NONE));
        assertSameOutcomes(fresh, reread);
        // a third run finds everything done
        AtomicInteger none = new AtomicInteger();
        analysis().run(TrialLog.open(file), 1, new AnalysisListener() {
            @Override
            public void trialFinished(TrialRecord record, int finished, int toRun) {
                none.incrementAndGet();
            }
        });
        assertEquals(0, none.get());
    }

    @Test
    void shardsRunElsewhereMergeByConcatenation(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("shard-0.jsonl");
        Path b = dir.resolve("shard-1.jsonl");
        int total = analysis().trials().size();
        int ran;
        try (TrialLog la = TrialLog.open(a); TrialLog lb = TrialLog.open(b)) {
            ran = analysis().runShard(la, 1, AnalysisListener.NONE, 0, 2)
                    + analysis().runShard(lb, 1, AnalysisListener.NONE, 1, 2);
        }
        assertEquals(total, ran);
        Path merged = dir.resolve("records.jsonl");
        Files.writeString(merged, Files.readString(b) + Files.readString(a));
        AtomicInteger again = new AtomicInteger();
        ContributionEstimates t = analysis().run(TrialLog.open(merged), 2, new AnalysisListener() {
            @Override
            public void trialFinished(TrialRecord record, int finished, int toRun) {
                again.incrementAndGet();
            }
        });
        assertEquals(0, again.get());
        assertEquals(analysis().run(TrialLog.inMemory(), 1, AnalysisListener.NONE), t);
        assertThrows(IllegalArgumentException.class, () -> analysis().runShard(TrialLog.inMemory(), 1,
                AnalysisListener.NONE, 2, 2));
    }

    @Test
    void recordsRoundTripAndBadLinesNameTheLineAndField(@TempDir Path dir) throws Exception {
        TrialRecord r = new TrialRecord("0123456789abcdef", TrialSpec.weight(22, 36, 0.125, 1), 70, 100, 0.5, 0, 1234,
                10, 20, 30);
        assertEquals(r, TrialRecord.parse(r.toJsonLine()));
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, r.toJsonLine() + "\n" + r.toJsonLine().replace("\"correct\":70", "\"correct\":\"x\"")
                + "\n" + r.toJsonLine() + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrialLog.open(file));
        assertTrue(e.getMessage().contains("line 2: correct: must be an integer"), e.getMessage());
    }

    @Test
    void anotherDataSetIsAnotherStudy() {
        Graph g = TinyGraphs.withHead();
        AnalysisSettings s = AnalysisSettings.forWindow(3, 3, 30, 20);
        String a = new ContributionAnalysis(g, images(1, 25), images(2, 20), s).study();
        String b = new ContributionAnalysis(g, images(3, 25), images(2, 20), s).study();
        String c = new ContributionAnalysis(g, images(1, 25), images(2, 20), s.withRepeats(1, 9)).study();
        assertTrue(!a.equals(b) && !a.equals(c) && !b.equals(c));
    }
}
