package dev.tinytrain.compiler;

import com.google.common.collect.ImmutableList;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.StreamedBackward;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.planner.BufferLifetime;
import dev.tinytrain.planner.MemoryPlan;
import dev.tinytrain.planner.TensorLifetimes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the compiled step needs, by the definitions of {@code ARCHITECTURE.md} §6. All figures in bytes.
 *
 * @param model graph name
 * @param scheme sparse-update scheme name
 * @param target target name
 * @param arenaBytes the static arena (every planned tensor: saved activations, masks, gradients, workspaces)
 * @param lowerBoundBytes LOAD: the largest sum of aligned sizes live at one schedule step
 * @param efficiency LOAD / arena
 * @param strategy the placement strategy that won
 * @param trainableWeightBytes int8 weight channels that training updates (SRAM)
 * @param biasBytes int32 biases that training updates (SRAM)
 * @param headBytes the float32 transfer head (SRAM)
 * @param masterBytes float32 master copies of trained int8/int32 parameters (FLOAT_MASTER only, SRAM)
 * @param stackBytes stack reserved for the step
 * @param sramTotalBytes arena + trainable weights + biases + head + masters + stack
 * @param frozenWeightBytes int8 weights and weight channels that stay frozen (Flash)
 * @param frozenBiasBytes frozen int32 biases (Flash)
 * @param constantBytes per-channel float32 constants (effective scales, QAS divisors) and band programs' tables (Flash)
 * @param codeBytes code (an estimate of the target; the C backend measures the linked image)
 * @param flashBytes frozen weights + frozen biases + constants + code
 * @param sramBudgetBytes the target's SRAM
 * @param flashBudgetBytes the target's Flash
 * @param tensors every arena buffer with its lifetime and offset
 * @param parameters every parameter with where it lives
 * @param forwardPeakBytes the largest sum of aligned sizes live at one step of the forward (up to the loss)
 * @param backwardPeakBytes the same after the loss (the backward and the updates)
 * @param bandRegions the frozen prefix run in row bands, if any ({@link PrefixStreaming})
 */
public record MemoryReport(String model, String scheme, String target, long arenaBytes, long lowerBoundBytes,
                           double efficiency, String strategy, long trainableWeightBytes, long biasBytes,
                           long headBytes, long masterBytes, long stackBytes, long sramTotalBytes,
                           long frozenWeightBytes, long frozenBiasBytes, long constantBytes, long codeBytes,
                           long flashBytes, long sramBudgetBytes, long flashBudgetBytes, List<TensorEntry> tensors,
                           List<ParameterEntry> parameters, long forwardPeakBytes, long backwardPeakBytes,
                           List<BandRegionEntry> bandRegions) {

    /**
     * One arena buffer.
     *
     * @param buffer buffer name (its first value)
     * @param values the values it holds (several when ops run in place)
     * @param kind {@code input}, {@code activation}, {@code mask}, {@code gradient}, {@code workspace},
     *     {@code band-lines} (a band region's line buffers), {@code stream-scratch} (one channel's plane or vector
     *     of a channel-streamed backward region) or {@code output}
     * @param bytes size
     * @param firstStep first schedule step it is live (0 = before the first op)
     * @param lastStep last step it is live
     * @param offset arena offset
     * @param valueOffsets the arena offset of each of {@code values}, in the same order: {@code offset} except
     *     around an in-place depthwise conv, whose output starts before its input inside the buffer
     */
    public record TensorEntry(String buffer, List<String> values, String kind, long bytes, int firstStep, int lastStep,
                              long offset, List<Long> valueOffsets) {

        /** Copies the lists; {@code valueOffsets} has one entry per value. */
        public TensorEntry {
            values = ImmutableList.copyOf(values);
            valueOffsets = ImmutableList.copyOf(valueOffsets);
            if (values.size() != valueOffsets.size()) {
                throw new IllegalArgumentException("buffer " + buffer + ": " + values.size() + " values but "
                        + valueOffsets.size() + " value offsets");
            }
        }

        /** A buffer whose values all start at its offset. */
        public TensorEntry(String buffer, List<String> values, String kind, long bytes, int firstStep, int lastStep,
                           long offset) {
            this(buffer, values, kind, bytes, firstStep, lastStep, offset,
                    Collections.nCopies(values.size(), offset));
        }
    }

    /**
     * One parameter.
     *
     * @param name parameter name
     * @param placement {@code flash} (frozen), {@code sram} (trained), or {@code split} (trainable channels in SRAM,
     *     the rest in Flash)
     * @param sramBytes bytes in SRAM (trainable channels, plus the master copy in FLOAT_MASTER mode)
     * @param flashBytes bytes in Flash
     */
    public record ParameterEntry(String name, String placement, long sramBytes, long flashBytes) {
    }

    /** Copies the lists. */
    public MemoryReport {
        tensors = ImmutableList.copyOf(tensors);
        parameters = ImmutableList.copyOf(parameters);
        bandRegions = ImmutableList.copyOf(bandRegions);
    }

    /** A report without band regions whose forward and backward peaks are not split (both the lower bound). */
    public MemoryReport(String model, String scheme, String target, long arenaBytes, long lowerBoundBytes,
                        double efficiency, String strategy, long trainableWeightBytes, long biasBytes, long headBytes,
                        long masterBytes, long stackBytes, long sramTotalBytes, long frozenWeightBytes,
                        long frozenBiasBytes, long constantBytes, long codeBytes, long flashBytes,
                        long sramBudgetBytes, long flashBudgetBytes, List<TensorEntry> tensors,
                        List<ParameterEntry> parameters) {
        this(model, scheme, target, arenaBytes, lowerBoundBytes, efficiency, strategy, trainableWeightBytes,
                biasBytes, headBytes, masterBytes, stackBytes, sramTotalBytes, frozenWeightBytes, frozenBiasBytes,
                constantBytes, codeBytes, flashBytes, sramBudgetBytes, flashBudgetBytes, tensors, parameters,
                lowerBoundBytes, lowerBoundBytes, List.of());
    }

    /** Builds the report of a scheduled, planned step. */
    static MemoryReport of(TrainingGraph step, MemoryPlan plan, Target target, String scheme) {
        boolean master = step.graph().nodes().stream().flatMap(n -> n.traits().parameterUpdates().stream())
                .anyMatch(u -> u.rule().rounding().equals("float_master"));
        long weights = 0;
        long biases = 0;
        long head = 0;
        long masters = 0;
        long frozenWeights = 0;
        long frozenBiases = 0;
        List<ParameterEntry> params = new ArrayList<>();
        for (Parameter p : step.graph().parameters()) {
            long bytes = p.value().type().byteSize();
            DType t = p.value().type().dtype();
            if (!p.trainability().trainable()) {
                if (t == DType.INT32) {
                    frozenBiases += bytes;
                } else {
                    frozenWeights += bytes;
                }
                params.add(new ParameterEntry(p.name(), "flash", 0, bytes));
                continue;
            }
            long trained = bytes;
            if (!p.trainability().allChannels() && p.value().type().shape().rank() == 4) {
                int channels = p.value().type().shape().dim(3); // OHWI: input channels; depthwise: channels
                trained = bytes / channels * p.trainability().channels().size();
            }
            long m = master && t != DType.FLOAT32 ? trained / t.byteSize(1) * 4 : 0;
            switch (t) {
                case INT8 -> weights += trained;
                case INT32 -> biases += trained;
                default -> head += trained;
            }
            masters += m;
            frozenWeights += bytes - trained;
            params.add(new ParameterEntry(p.name(), trained == bytes ? "sram" : "split", trained + m, bytes - trained));
        }
        long constants = 0;
        for (Node n : step.graph().nodes()) {
            if (n.op() instanceof Conv2d c) {
                constants += 4L * c.outChannels(n.inputs().get(1)); // effective scales
            } else if (n.op() instanceof TfliteConv2d t) {
                constants += tfliteConstantBytes(step.graph(), n, t);
            }
            if (n.op() instanceof BandRegion b) {
                constants += 4L * b.program(n.name(), n.inputs()).table().length; // the band program's int32 table
                for (BandRegion.Layer l : b.layers()) {
                    if (l.op() instanceof Conv2d c) {
                        constants += 4L * c.outChannels(n.inputs().get(l.params().get(0)));
                    }
                }
            }
            constants += 4L * n.traits().parameterUpdates().stream().mapToInt(u -> u.rule().qasDivisors().size()).sum();
        }
        long sram = plan.arenaBytes() + weights + biases + head + masters + target.stackBytes();
        long flash = frozenWeights + frozenBiases + constants + target.codeBytes();
        return new MemoryReport(step.graph().name(), scheme, target.name(), plan.arenaBytes(), plan.lowerBoundBytes(),
                plan.result().efficiency(), plan.result().placement().strategy(), weights, biases, head, masters,
                target.stackBytes(), sram, frozenWeights, frozenBiases, constants, target.codeBytes(), flash,
                target.sramBytes(), target.flashBytes(), tensors(step, plan), params,
                peak(step, plan.lifetimes(), plan.layout().alignment(), true),
                peak(step, plan.lifetimes(), plan.layout().alignment(), false), bandRegions(step));
    }

    /** The largest live sum of the forward (steps up to the loss's) or of the rest. */
    static long peak(TrainingGraph step, TensorLifetimes lifetimes, int alignment, boolean forward) {
        int lossStep = step.graph().nodes().indexOf(step.graph().producer(step.lossValue()).orElseThrow()) + 1;
        int steps = step.graph().nodes().size() + 2;
        long[] live = new long[steps];
        for (BufferLifetime b : lifetimes.buffers()) {
            for (int s = b.firstStep(); s <= b.lastStep(); s++) {
                live[s] += b.alignedSize(alignment);
            }
        }
        long peak = 0;
        for (int s = forward ? 0 : lossStep + 1; s < (forward ? lossStep + 1 : steps); s++) {
            peak = Math.max(peak, live[s]);
        }
        return peak;
    }

    private static List<BandRegionEntry> bandRegions(TrainingGraph step) {
        List<BandRegionEntry> out = new ArrayList<>();
        List<Node> nodes = step.graph().nodes();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).op() instanceof BandRegion) {
                out.add(BandRegionEntry.of(nodes.get(i), i + 1));
            }
        }
        return out;
    }

    /**
     * The Flash tables of an imported conv: quantized multipliers and shifts (int32 each), or for a per-channel
     * FULLY_CONNECTED its binary64 significands and int32 exponents; and when it trains, the effective scales of its
     * gradient (float32; a native conv's are the forward's own table).
     */
    private static long tfliteConstantBytes(dev.tinytrain.ir.Graph g, Node n, TfliteConv2d t) {
        long channels = TfliteConv2d.outChannels(n.inputs().get(1));
        long bytes = (t.fullyConnectedScales(n.inputs().get(0), n.inputs().get(1)).isPresent() ? 12 : 8) * channels;
        boolean trains = n.outputs().size() > 1 && g.users(n.outputs().get(1)).stream()
                .anyMatch(u -> u.op() instanceof dev.tinytrain.ir.ops.ConvGradOutput);
        return bytes + (trains ? 4 * channels : 0);
    }

    private static List<TensorEntry> tensors(TrainingGraph step, MemoryPlan plan) {
        Map<String, List<String>> members = new LinkedHashMap<>();
        plan.lifetimes().bufferOf().forEach((v, b) -> members.computeIfAbsent(b, k -> new ArrayList<>()).add(v));
        List<TensorEntry> out = new ArrayList<>();
        for (BufferLifetime b : plan.lifetimes().buffers()) {
            Value v = step.graph().value(b.name()).orElseThrow();
            List<String> values = members.get(b.name());
            List<Long> valueOffsets = values.stream().map(plan.layout().offsets()::get).toList();
            out.add(new TensorEntry(b.name(), values, kind(step, v), b.sizeBytes(), b.firstStep(),
                    b.lastStep(), plan.result().placement().offsetOf(b.name()), valueOffsets));
        }
        return out;
    }

    private static String kind(TrainingGraph step, Value v) {
        if (step.graph().inputs().contains(v)) {
            return "input";
        }
        if (step.graph().outputs().contains(v)) {
            return "output";
        }
        if (v.type().dtype() == DType.BIT) {
            return "mask";
        }
        Node producer = step.graph().producer(v).orElseThrow();
        if (producer.op() instanceof BandRegion && !v.equals(producer.output())) {
            return "band-lines"; // the line buffers of a frozen prefix run in row bands
        }
        if (producer.op() instanceof StreamedBackward s && s.isScratch(producer.outputs().indexOf(v))) {
            return "stream-scratch"; // one channel's plane or vector of a channel-streamed backward region
        }
        if (producer.traits().hasSideEffects() && !(producer.op() instanceof StreamedBackward)) {
            return "workspace"; // a result of an in-place update is scratch for its channel-by-channel gradient
        }
        return v.type().dtype() == DType.FLOAT32 ? "gradient" : "activation";
    }

    /**
     * The step where the backward phase starts: the one that writes the last graph output (the loss, computed after
     * the logits), 0 without outputs.
     */
    public int backwardStartStep() {
        return tensors.stream().filter(t -> t.kind().equals("output")).mapToInt(TensorEntry::firstStep).max()
                .orElse(0);
    }

    /** True when SRAM and Flash fit the target. */
    public boolean fits() {
        return sramTotalBytes <= sramBudgetBytes && flashBytes <= flashBudgetBytes;
    }

    /** The SRAM parts, largest first, as {@code name=bytes} pairs. */
    public Map<String, Long> sramParts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("arena", arenaBytes);
        m.put("trainable weights", trainableWeightBytes);
        m.put("biases", biasBytes);
        m.put("head", headBytes);
        m.put("master copies", masterBytes);
        m.put("stack", stackBytes);
        return m;
    }

    /** Unused by the planner (layout names) but kept for readers: the layout of a depthwise weight. */
    static boolean isDepthwise(Value w) {
        return w.type().layout() == Layout.DEPTHWISE;
    }
}
