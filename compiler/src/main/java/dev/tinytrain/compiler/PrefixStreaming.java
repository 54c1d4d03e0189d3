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
 * the planner's lower bound (LOAD) and its estimated instruction overhead; the best {@link #PLANNED} are planned in
 * full and the smallest arena wins (ties: the smaller overhead). The streamed step is kept only when its arena is
 * smaller than the unstreamed one's.
 */
public final class PrefixStreaming {
    /** Band heights tried (output rows of the prefix's last layer per band). */
    static final int[] BAND_ROWS = {1, 2, 4, 8};
    /** Candidates planned in full after ranking by LOAD. */
    static final int PLANNED = 3;
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
        record Candidate(TrainingGraph step, BandProgram program, long load, long overhead) {
        }
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
                            overhead(p)));
                });
            }
        }
        Choice best = unstreamed;
        long bestOverhead = 0;
        for (Candidate c : candidates.stream().sorted(Comparator.comparingLong(Candidate::load)
                .thenComparingLong(Candidate::overhead)).limit(PLANNED).toList()) {
            MemoryPlan p = plan(c.step(), options);
            if (p.arenaBytes() < best.plan().arenaBytes() || p.arenaBytes() == best.plan().arenaBytes()
                    && best.program().isPresent() && c.overhead() < bestOverhead) {
                best = new Choice(c.step(), p, Optional.of(c.program()));
                bestOverhead = c.overhead();
            }
        }
        return best;
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
