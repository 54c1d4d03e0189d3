package dev.tinytrain.compiler;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.band.BandProgram;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.planner.LowerBound;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.planner.PlacementStrategies;
import dev.tinytrain.planner.TensorLifetimes;
import dev.tinytrain.reorder.PrefixBanding;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses whether, where and how the frozen forward prefix runs in row bands ({@link PrefixBanding}), with the
 * memory planner in the loop: every prefix that qualifies and every band height of {@link #BAND_ROWS} is scored by
 * the planner's lower bound (LOAD), then the forward's peak (headroom when the backward sets the arena), then its
 * estimated instruction overhead. Candidates are planned in full in that order, at most {@link #PLANNED} and only
 * while a candidate's LOAD is below the best arena so far (branch and bound); the smallest arena wins (ties in the
 * same order). The streamed step is kept only when its arena is smaller than the unstreamed one's.
 */
public final class PrefixStreaming {
    /** Band heights tried (output rows of the prefix's last layer per band). */
    static final int[] BAND_ROWS = {1, 2, 4};
    /** Most candidates planned in full, in ranking order (planning stops earlier when LOAD bounds the rest). */
    static final int PLANNED = 8;
    /** Estimated Cortex-M7 instructions of one kernel call's setup (arguments, loop prologues). */
    static final long CALL_INSTRUCTIONS = 200;

    private PrefixStreaming() {
    }

    /**
     * The scheduled step and its plan.
     *
     * @param step the step, with a band region or without
     * @param plan its memory plan
     * @param program the band region's program, empty when the prefix is not streamed
     */
    public record Choice(TrainingGraph step, MemoryPlan plan, Optional<BandProgram> program) {
    }

    /** Chooses for {@code step} (scheduled) under {@code options} for {@code target}. */
    static Choice choose(TrainingGraph step, CompileOptions options, Target target) {
        MemoryPlan whole = plan(step, options);
        Choice unstreamed = new Choice(step, whole, Optional.empty());
        if (!options.streamPrefix() || target.sramBytes() == Long.MAX_VALUE) {
            return unstreamed; // no budget to save memory for: whole tensors run fastest
        }
        List<Candidate> candidates = candidates(step, options);
        Choice best = unstreamed;
        Candidate bestCandidate = null;
        Comparator<Candidate> order = Comparator.comparingLong(Candidate::load)
                .thenComparingLong(Candidate::forwardPeak).thenComparingLong(Candidate::overhead);
        int planned = 0;
        for (Candidate c : candidates.stream().sorted(order).toList()) {
            if (planned == PLANNED || c.load() >= best.plan().arenaBytes()) {
                break; // bound: this and every later candidate's arena is at least its LOAD
            }
            planned++;
            MemoryPlan p = plan(c.step(), options);
            if (p.arenaBytes() < best.plan().arenaBytes() || p.arenaBytes() == best.plan().arenaBytes()
                    && bestCandidate != null && order.compare(c, bestCandidate) < 0) {
                best = new Choice(c.step(), p, Optional.of(c.program()));
                bestCandidate = c;
            }
        }
        return best;
    }

    /**
     * One way to stream the prefix.
     *
     * @param step the step with the band region
     * @param program the region's band program
     * @param load the planner's lower bound for the step
     * @param forwardPeak the largest live sum up to the loss
     * @param overhead the estimated instruction overhead ({@link #overhead})
     */
    record Candidate(TrainingGraph step, BandProgram program, long load, long forwardPeak, long overhead) {
    }

    /** Every prefix that qualifies at every band height of {@link #BAND_ROWS}, scored by the planner's analysis. */
    static List<Candidate> candidates(TrainingGraph step, CompileOptions options) {
        List<Candidate> candidates = new ArrayList<>();
        for (int end : PrefixBanding.candidateEnds(step.graph())) {
            int rows = step.graph().nodes().get(end).output().type().shape().dim(1);
            for (int band : BAND_ROWS) {
                if (band > rows && band != BAND_ROWS[0]) {
                    break;
                }
                PrefixBanding.band(step, end, band).ifPresent(s -> {
                    Node region = s.graph().nodes().get(0);
                    BandProgram p = ((BandRegion) region.op()).program(region.name(), region.inputs());
                    TensorLifetimes lt = TensorLifetimes.of(s.graph(), options.inPlace(), options.alignment());
                    candidates.add(new Candidate(s, p, LowerBound.of(lt.buffers(), options.alignment()),
                            MemoryReport.peak(s, lt, options.alignment(), true), overhead(p)));
                });
            }
        }
        return candidates;
    }

    /** Estimated extra instructions of running {@code p}: a call setup per step and the bytes its shifts move. */
    static long overhead(BandProgram p) {
        return CALL_INSTRUCTIONS * p.computeSteps() + p.shiftedBytes() / 2;
    }

    private static MemoryPlan plan(TrainingGraph step, CompileOptions options) {
        return MemoryPlan.of(step.graph(), options.alignment(), options.inPlace(),
                PlacementStrategies.standard().all());
    }
}
