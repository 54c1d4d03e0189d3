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
import java.util.Set;

/**
 * Chooses whether, where and how the frozen forward prefix runs in row bands ({@link PrefixBanding}), with the
 * memory planner in the loop: every prefix that qualifies, every band height of {@link #BAND_ROWS} and every set of
 * at most {@link #MAX_FUSED} fused expansions ({@link PrefixBanding#fusableExpansions}; a fusion recomputes expanded
 * rows, so a set is tried only while its recomputed MACs stay within {@link CompileOptions#recomputeBudget()} of the
 * step's; the default budget, 0, fuses nothing) is
 * scored by the planner's lower bound (LOAD), then the forward's peak (headroom when the backward sets the arena),
 * then its estimated instruction overhead (recomputation included), so a fusion is taken only where it lowers the
 * arena. Candidates are planned in full in that order, at most {@link #PLANNED} and only
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
    /**
     * Estimated Cortex-M7 instructions per recomputed MAC: measured 8.6 for proxyless-98kb's block-1 expansion (8
     * input channels, so requantization dominates), 1,142,784 recomputed MACs for +9.8 M instructions.
     */
    static final long RECOMPUTED_MAC_INSTRUCTIONS = 9;
    /** Most expansions fused in one candidate. */
    static final int MAX_FUSED = 2;
    /**
     * Expanded channels per pass of a fused layer: the C depthwise kernel's channel block (four channels per
     * pass), the smallest scratch without tails.
     */
    static final int FUSED_GROUP = 4;

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
     * @param recomputedMacs the MACs its fused expansions recompute
     */
    record Candidate(TrainingGraph step, BandProgram program, long load, long forwardPeak, long overhead,
                     long recomputedMacs) {
    }

    /**
     * Every prefix that qualifies at every band height of {@link #BAND_ROWS} with every set of fused expansions
     * within the recompute budget, scored by the planner's analysis.
     */
    static List<Candidate> candidates(TrainingGraph step, CompileOptions options) {
        List<Candidate> candidates = new ArrayList<>();
        long budget = (long) (options.recomputeBudget() * step.graph().nodes().stream().mapToLong(Node::macs).sum());
        for (int end : PrefixBanding.candidateEnds(step.graph())) {
            int rows = step.graph().nodes().get(end).output().type().shape().dim(1);
            List<Set<String>> fusions = budget == 0 ? List.of(Set.of())
                    : fusionSets(PrefixBanding.fusableExpansions(step.graph(), end));
            for (int band : BAND_ROWS) {
                if (band > rows && band != BAND_ROWS[0]) {
                    break;
                }
                for (Set<String> fused : fusions) {
                    PrefixBanding.band(step, end, band, fused, FUSED_GROUP).ifPresent(s -> {
                        Node region = s.graph().nodes().get(0);
                        BandRegion op = (BandRegion) region.op();
                        long recomputed = op.recomputedMacs(region.name(), region.inputs());
                        if (recomputed > budget) {
                            return;
                        }
                        BandProgram p = op.program(region.name(), region.inputs());
                        TensorLifetimes lt = TensorLifetimes.of(s.graph(), options.inPlace(), options.alignment());
                        candidates.add(new Candidate(s, p, LowerBound.of(lt.buffers(), options.alignment()),
                                MemoryReport.peak(s, lt, options.alignment(), true), overhead(p, recomputed),
                                recomputed));
                    });
                }
            }
        }
        return candidates;
    }

    /** The empty set and every set of at most {@link #MAX_FUSED} of {@code fusable}. */
    static List<Set<String>> fusionSets(List<String> fusable) {
        List<Set<String>> sets = new ArrayList<>(List.of(Set.of()));
        for (int i = 0; i < fusable.size(); i++) {
            sets.add(Set.of(fusable.get(i)));
            for (int j = i + 1; j < fusable.size() && MAX_FUSED >= 2; j++) {
                sets.add(Set.of(fusable.get(i), fusable.get(j)));
            }
        }
        return sets;
    }

    /**
     * Estimated extra instructions of running {@code p}: a call setup per step, the bytes its shifts move and the
     * recomputed MACs.
     */
    static long overhead(BandProgram p, long recomputedMacs) {
        return CALL_INSTRUCTIONS * p.computeSteps() + p.shiftedBytes() / 2
                + RECOMPUTED_MAC_INSTRUCTIONS * recomputedMacs;
    }

    private static MemoryPlan plan(TrainingGraph step, CompileOptions options) {
        return MemoryPlan.of(step.graph(), options.alignment(), options.inPlace(),
                PlacementStrategies.standard().all());
    }
}
