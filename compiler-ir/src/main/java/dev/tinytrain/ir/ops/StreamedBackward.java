package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Floats;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The backward of one inverted-residual block run channel by channel of its expanded tensor (a channel-streamed
 * region): for each expanded channel c in increasing order it computes the projection's input-gradient plane of c
 * (a dense 1x1 stride-1 conv), masks and scales it for the depthwise conv, applies the depthwise bias and weight
 * updates of c, and, when the chain goes on ({@link #deep}), the depthwise input-gradient plane of c, its mask and
 * scale for the 1x1 stride-1 expansion, c's term of the expansion's input gradient (a rank-1 accumulation) and the
 * expansion's bias and weight updates of c. The expanded float gradients never exist whole: only one or two H x W
 * planes. Every float sum has the terms and the order of the unstreamed ops it replaces ({@link ConvGradInput},
 * {@link ConvGradOutput}, {@link ConvGradBiasUpdate}, {@link ConvGradWeightUpdate}), so results are bit-identical;
 * each weight channel is read for an input gradient before its own update writes it.
 *
 * <p>Operands, in this order (bracketed ones only when the attribute that needs them is set): g' at the projection's
 * accumulator (float32 {@code [1,H2,W2,O]}), the projection weight ({@code [O,1,1,C]}), the depthwise clamp mask
 * (bit, {@code [1,H2,W2,C]}), the depthwise weight ({@code [1,KH,KW,C]}), [the depthwise bias], [the depthwise conv's
 * saved input, int8 {@code [1,H1,W1,C]}], and when deep: the expansion's clamp mask ({@code [1,H1,W1,C]}), the
 * expansion weight ({@code [C,1,1,Cin]}), [the expansion bias], [the expansion's saved input, int8
 * {@code [1,H1,W1,k]}: its trained channels]. Results: the depthwise-output planes of one group of channels
 * (float32 {@code [group*H2*W2]}), when deep their depthwise-input planes ({@code [group*H1*W1]}), a channel vector
 * ({@code [max(group*O, KH*KW, group*Cin)]}, {@code [max(group*O, KH*KW)]} when not deep: weight columns, taps or
 * rows as floats, or weight gradients), all scratch live only during the op; and, when {@link #inputGradient}, the
 * expansion's input gradient ({@code float32 [1,H1,W1,Cin]}). The channels run in groups of {@link #group}: a
 * group's planes are kept so that each element of g' and of the expansion's input gradient is loaded once per
 * group (every sum still adds its terms one after the other, in the unstreamed order).
 *
 * @param depthwise the depthwise conv's attributes (stride, padding)
 * @param depthwiseEff the depthwise conv's effective scales (one per expanded channel)
 * @param depthwiseBias the depthwise bias's update, if it trains
 * @param depthwiseWeight the depthwise weight's update (its trained channels), if it trains
 * @param expansionEff the expansion's effective scales; empty when the region stops at the depthwise output
 * @param expansionBias the expansion bias's update, if it trains
 * @param expansionWeight the expansion weight's update (its trained input channels), if it trains
 * @param inputGradient whether the region computes the expansion's input gradient
 * @param inHeight the depthwise conv's (and the expansion's) input height H1
 * @param inWidth the depthwise conv's input width W1
 * @param group the expanded channels streamed together (at least 1)
 */
public record StreamedBackward(Conv2d depthwise, List<Float> depthwiseEff, Optional<SgdUpdate> depthwiseBias,
                               Optional<SgdUpdate> depthwiseWeight, List<Float> expansionEff,
                               Optional<SgdUpdate> expansionBias, Optional<SgdUpdate> expansionWeight,
                               boolean inputGradient, int inHeight, int inWidth, int group) implements Op {

    /** Copies the lists and checks that the expansion's parts come with the expansion. */
    public StreamedBackward {
        depthwiseEff = ImmutableList.copyOf(depthwiseEff);
        expansionEff = ImmutableList.copyOf(expansionEff);
        if (expansionEff.isEmpty() && (expansionBias.isPresent() || expansionWeight.isPresent() || inputGradient)) {
            throw new IllegalArgumentException("a region that stops at the depthwise output has no expansion parts");
        }
        if (inHeight <= 0 || inWidth <= 0 || group < 1) {
            throw new IllegalArgumentException("input size and group must be positive, got " + inHeight + "x"
                    + inWidth + ", group " + group);
        }
    }

    @Override
    public OpKind kind() {
        return OpKind.STREAMED_BACKWARD;
    }

    /** The depthwise effective scales as an array. */
    public float[] depthwiseEffArray() {
        return Floats.toArray(depthwiseEff);
    }

    /** The expansion's effective scales as an array (empty when the region stops at the depthwise output). */
    public float[] expansionEffArray() {
        return Floats.toArray(expansionEff);
    }

    /** The zero point of the operand at {@code at} (a saved int8 input), 0 when the region has no such operand. */
    public static int zeroPoint(List<Value> operands, int at) {
        return at < 0 ? 0 : operands.get(at).type().requireQuantization(operands.get(at).name()).zeroPoint();
    }

    /** True when the region goes on through the depthwise input gradient to the expansion. */
    public boolean deep() {
        return !expansionEff.isEmpty();
    }

    /** Operand positions; -1 for an operand this region does not have. */
    public record Operands(int depthwiseBias, int depthwiseInput, int expansionMask, int expansionWeight,
                           int expansionBias, int expansionInput, int count) {
        /** The projection's g'. */
        public static final int GRADIENT = 0;
        /** The projection weight. */
        public static final int PROJECTION_WEIGHT = 1;
        /** The depthwise clamp mask. */
        public static final int DEPTHWISE_MASK = 2;
        /** The depthwise weight. */
        public static final int DEPTHWISE_WEIGHT = 3;
    }

    /** Where each operand is. */
    public Operands operands() {
        int next = 4;
        int db = depthwiseBias.isPresent() ? next++ : -1;
        int dx = depthwiseWeight.isPresent() ? next++ : -1;
        int em = deep() ? next++ : -1;
        int ew = deep() ? next++ : -1;
        int eb = expansionBias.isPresent() ? next++ : -1;
        int ex = expansionWeight.isPresent() ? next++ : -1;
        return new Operands(db, dx, em, ew, eb, ex, next);
    }

    /** Result positions: the depthwise-output plane is 0; -1 for a result this region does not have. */
    public int depthwiseInputPlaneResult() {
        return deep() ? 1 : -1;
    }

    /** The channel vector's result position. */
    public int vectorResult() {
        return deep() ? 2 : 1;
    }

    /** The input gradient's result position, -1 without one. */
    public int inputGradientResult() {
        return inputGradient ? vectorResult() + 1 : -1;
    }

    /** True for the results that are per-channel scratch (all but the input gradient). */
    public boolean isScratch(int result) {
        return result != inputGradientResult();
    }

    /** The parameters written in place, each by its update (depthwise bias, weight, expansion bias, weight). */
    @Override
    public OpTraits traits(List<Value> inputs) {
        Operands o = operands();
        List<ParameterUpdate> u = new ArrayList<>();
        depthwiseBias.ifPresent(r -> u.add(new ParameterUpdate(o.depthwiseBias(), r)));
        depthwiseWeight.ifPresent(r -> u.add(new ParameterUpdate(Operands.DEPTHWISE_WEIGHT, r)));
        expansionBias.ifPresent(r -> u.add(new ParameterUpdate(o.expansionBias(), r)));
        expansionWeight.ifPresent(r -> u.add(new ParameterUpdate(o.expansionWeight(), r)));
        return new OpTraits(u, SavedForBackward.NOTHING, InPlaceOperands.NONE);
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Operands o = operands();
        if (in.size() != o.count()) {
            Checks.fail(node, "arity", kind().irName() + " with these parts takes " + o.count() + " operands, got "
                    + in.size());
        }
        Value g = in.get(Operands.GRADIENT);
        Value pw = in.get(Operands.PROJECTION_WEIGHT);
        Value dw = in.get(Operands.DEPTHWISE_WEIGHT);
        Checks.dtype(node, g, DType.FLOAT32, "g");
        Checks.rank(node, g, 4, "g");
        Checks.dtype(node, pw, DType.INT8, "projection weight");
        Checks.dtype(node, dw, DType.INT8, "depthwise weight");
        Checks.layout(node, dw, Layout.DEPTHWISE, "depthwise weight");
        Shape gs = g.type().shape();
        Shape ps = pw.type().shape();
        int c = dw.type().shape().dim(3);
        if (ps.dim(0) != gs.dim(3) || ps.dim(1) != 1 || ps.dim(2) != 1 || ps.dim(3) != c) {
            Checks.fail(node, "shape", "projection weight %" + pw.name() + " " + ps + " is not a 1x1 conv from "
                    + c + " to " + gs.dim(3) + " channels");
        }
        if (depthwiseEff.size() != c) {
            Checks.fail(node, "shape", depthwiseEff.size() + " depthwise scales for " + c + " channels");
        }
        int h2 = gs.dim(1);
        int w2 = gs.dim(2);
        int kh = dw.type().shape().dim(1);
        int kw = dw.type().shape().dim(2);
        if ((inHeight + depthwise.padTop() + depthwise.padBottom() - kh) / depthwise.stride() + 1 != h2
                || (inWidth + depthwise.padLeft() + depthwise.padRight() - kw) / depthwise.stride() + 1 != w2) {
            Checks.fail(node, "shape", "depthwise output " + h2 + "x" + w2 + " does not follow from input "
                    + inHeight + "x" + inWidth);
        }
        checkBits(node, in.get(Operands.DEPTHWISE_MASK), (long) h2 * w2 * c, "depthwise mask");
        int vector = Math.max(group * gs.dim(3), kh * kw);
        if (o.depthwiseBias() >= 0) {
            checkBias(node, in.get(o.depthwiseBias()), c);
        }
        if (o.depthwiseInput() >= 0) {
            checkInput(node, in.get(o.depthwiseInput()), c);
        }
        List<TensorType> out = new ArrayList<>();
        out.add(floats((long) group * h2 * w2));
        if (deep()) {
            Value ew = in.get(o.expansionWeight());
            Shape es = ew.type().shape();
            Checks.dtype(node, ew, DType.INT8, "expansion weight");
            if (es.dim(0) != c || es.dim(1) != 1 || es.dim(2) != 1 || ew.type().layout() != Layout.OHWI) {
                Checks.fail(node, "shape", "expansion weight %" + ew.name() + " " + es + " is not a 1x1 conv to "
                        + c + " channels");
            }
            if (expansionEff.size() != c) {
                Checks.fail(node, "shape", expansionEff.size() + " expansion scales for " + c + " channels");
            }
            checkBits(node, in.get(o.expansionMask()), (long) inHeight * inWidth * c, "expansion mask");
            vector = Math.max(vector, group * es.dim(3));
            if (o.expansionBias() >= 0) {
                checkBias(node, in.get(o.expansionBias()), c);
            }
            if (o.expansionInput() >= 0) {
                Value x = in.get(o.expansionInput());
                checkInput(node, x, x.type().shape().dim(3));
                List<Integer> ch = expansionWeight.orElseThrow().channels();
                int k = ch.isEmpty() ? es.dim(3) : ch.size();
                if (x.type().shape().dim(3) != k) {
                    Checks.fail(node, "shape", "expansion input %" + x.name() + " must hold its " + k
                            + " trained channels");
                }
            }
            out.add(floats((long) group * inHeight * inWidth));
            out.add(floats(vector));
            if (inputGradient) {
                out.add(TensorType.of(DType.FLOAT32, Shape.of(1, inHeight, inWidth, es.dim(3)), Layout.NHWC));
            }
        } else {
            out.add(floats(vector));
        }
        return out;
    }

    private void checkInput(String node, Value x, int channels) {
        Checks.dtype(node, x, DType.INT8, "saved input");
        Checks.perTensor(node, x, "saved input");
        Shape s = x.type().shape();
        if (s.rank() != 4 || s.dim(1) != inHeight || s.dim(2) != inWidth || s.dim(3) != channels) {
            Checks.fail(node, "shape", "saved input %" + x.name() + " " + s + " is not " + inHeight + "x" + inWidth
                    + "x" + channels);
        }
    }

    private static void checkBias(String node, Value b, int channels) {
        Checks.dtype(node, b, DType.INT32, "bias");
        if (b.type().elementCount() != channels) {
            Checks.fail(node, "shape", "bias %" + b.name() + " must hold " + channels + " values");
        }
    }

    private static void checkBits(String node, Value m, long count, String role) {
        Checks.dtype(node, m, DType.BIT, role);
        if (m.type().elementCount() != count) {
            Checks.fail(node, "shape", role + " %" + m.name() + " must hold " + count + " bits");
        }
    }

    private static TensorType floats(long n) {
        return TensorType.of(DType.FLOAT32, Shape.of(Math.toIntExact(n)), Layout.ROW_MAJOR);
    }

    /** The MACs of the unstreamed ops it replaces (streaming adds none). */
    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        Operands o = operands();
        Shape gs = in.get(Operands.GRADIENT).type().shape();
        Shape ds = in.get(Operands.DEPTHWISE_WEIGHT).type().shape();
        long c = ds.dim(3);
        long p2 = (long) gs.dim(1) * gs.dim(2);
        long p1 = (long) inHeight * inWidth;
        long taps = (long) ds.dim(1) * ds.dim(2);
        long macs = p2 * gs.dim(3) * c; // projection input gradient
        if (depthwiseWeight.isPresent()) {
            List<Integer> ch = depthwiseWeight.get().channels();
            macs += (ch.isEmpty() ? c : ch.size()) * taps * p2;
        }
        if (deep()) {
            macs += p2 * c * taps; // depthwise input gradient
            long cin = in.get(o.expansionWeight()).type().shape().dim(3);
            if (inputGradient) {
                macs += p1 * c * cin;
            }
            if (o.expansionInput() >= 0) {
                macs += p1 * c * in.get(o.expansionInput()).type().shape().dim(3);
            }
        }
        return macs;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stride", depthwise.stride());
        m.put("pad", List.of(depthwise.padTop(), depthwise.padLeft(), depthwise.padBottom(), depthwise.padRight()));
        m.put("in", List.of(inHeight, inWidth));
        m.put("group", group);
        m.put("deep", deep());
        m.put("input_gradient", inputGradient);
        m.put("updates", updateNames());
        return m;
    }

    private List<String> updateNames() {
        List<String> names = new ArrayList<>();
        depthwiseBias.ifPresent(u -> names.add("depthwise.bias"));
        depthwiseWeight.ifPresent(u -> names.add("depthwise.weight"));
        expansionBias.ifPresent(u -> names.add("expansion.bias"));
        expansionWeight.ifPresent(u -> names.add("expansion.weight"));
        return names;
    }

    @Override
    public void writeJson(ObjectNode out) {
        ConvGradWeight.writeConv(out.putObject("depthwise"), depthwise);
        ArrayNodes.floats(out.putArray("depthwise_eff"), depthwiseEff);
        ArrayNodes.floats(out.putArray("expansion_eff"), expansionEff);
        depthwiseBias.ifPresent(u -> u.writeJson(out.putObject("depthwise_bias")));
        depthwiseWeight.ifPresent(u -> u.writeJson(out.putObject("depthwise_weight")));
        expansionBias.ifPresent(u -> u.writeJson(out.putObject("expansion_bias")));
        expansionWeight.ifPresent(u -> u.writeJson(out.putObject("expansion_weight")));
        out.put("input_gradient", inputGradient);
        out.putArray("in").add(inHeight).add(inWidth);
        out.put("group", group);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> in = Attr.intList(a, "in", 2);
        return new StreamedBackward(ConvGradWeight.readConv(Attr.object(a, "depthwise")),
                Attr.floatList(a, "depthwise_eff"), update(a, "depthwise_bias"), update(a, "depthwise_weight"),
                Attr.floatList(a, "expansion_eff"), update(a, "expansion_bias"), update(a, "expansion_weight"),
                Attr.bool(a, "input_gradient", false), in.get(0), in.get(1), Attr.integer(a, "group"));
    }

    private static Optional<SgdUpdate> update(JsonNode a, String name) {
        return a.has(name) ? Optional.of((SgdUpdate) SgdUpdate.fromJson(Attr.object(a, name))) : Optional.empty();
    }
}
