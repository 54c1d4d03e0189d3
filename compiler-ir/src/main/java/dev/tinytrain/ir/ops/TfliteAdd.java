package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * int8 elementwise add of two tensors of the same shape in TFLite integer numerics (TFLite's reference int8
 * {@code ADD} without broadcasting): each operand {@code (q - zero) << 20} is scaled by its multiplier, the sum by
 * the output multiplier ({@link TfliteRequant#add}), then {@code + y_zero} clamped to {@code [actMin, actMax]}.
 *
 * @param output the sum's quantization (per tensor)
 * @param actMin lower clamp
 * @param actMax upper clamp
 * @param saveMask when true the op has a second result, {@code bit} of the output's shape: 1 where the pre-clamp
 *     sum lies in {@code [actMin, actMax]} inclusive (the straight-through gradient passes)
 */
public record TfliteAdd(Quantization output, int actMin, int actMax, boolean saveMask) implements Op {

    /** Validates the clamp. */
    public TfliteAdd {
        checkClamp("tfl.add", output, actMin, actMax);
    }

    /** Shared by the TFLite ops: per-tensor output and {@code -128 <= actMin <= actMax <= 127}. */
    static void checkClamp(String op, Quantization output, int actMin, int actMax) {
        if (!output.isPerTensor()) {
            throw new IllegalArgumentException(op + " output quantization must be per tensor");
        }
        if (actMin < -128 || actMax > 127 || actMin > actMax) {
            throw new IllegalArgumentException(op + " clamp [" + actMin + ", " + actMax + "] is not within int8");
        }
    }

    /** The add as imported (no mask result). */
    public TfliteAdd(Quantization output, int actMin, int actMax) {
        this(output, actMin, actMax, false);
    }

    /** Can save its clamp mask (its gradient needs only the scales and the mask); nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return new OpTraits(Optional.empty(),
                new SavedForBackward(List.of(), true, SavedForBackward.PartialInput.NOT_PARTIAL), InPlaceOperands.NONE);
    }

    @Override
    public TfliteAdd withSaveMask(boolean mask) {
        return new TfliteAdd(output, actMin, actMax, mask);
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_ADD;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.int8PerTensorOperands(node, in);
        if (!in.get(0).type().shape().equals(in.get(1).type().shape())) {
            Checks.fail(node, "shape", "operands %" + in.get(0).name() + " " + in.get(0).type().shape() + " and %"
                    + in.get(1).name() + " " + in.get(1).type().shape() + " differ in shape (no broadcasting)");
        }
        TensorType y = in.get(0).type().requantized(DType.INT8, output);
        return saveMask ? List.of(y, TensorType.of(DType.BIT, y.shape(), y.layout())) : List.of(y);
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(Attr.OUTPUT, output);
        m.put("clamp", List.of(actMin, actMax));
        if (saveMask) {
            m.put("mask", true);
        }
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        Attr.writeOutput(out, output);
        out.putArray("clamp").add(actMin).add(actMax);
        out.put("mask", saveMask);
    }

    static Op fromJson(JsonNode a) {
        List<Integer> clamp = Attr.intList(a, "clamp", 2);
        return new TfliteAdd(Attr.output(a), clamp.get(0), clamp.get(1), Attr.bool(a, "mask", false));
    }
}
