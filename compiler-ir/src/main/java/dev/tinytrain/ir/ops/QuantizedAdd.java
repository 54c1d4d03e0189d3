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
 * int8 elementwise add of two quantized tensors of the same shape (the residual of an inverted-residual block),
 * requantized to {@code output}: {@code ../models/FORMAT.md} §3.3. Operand 0 is the shortcut, operand 1 the
 * conv branch.
 *
 * @param output the sum's quantization (per tensor)
 * @param saveMask when true a second {@code bit} result marks where the pre-clamp sum lies in [-128, 127]
 */
public record QuantizedAdd(Quantization output, boolean saveMask) implements Op {

    /** An add without mask. */
    public QuantizedAdd(Quantization output) {
        this(output, false);
    }

    /** Validates the output quantization. */
    public QuantizedAdd {
        if (!output.isPerTensor()) {
            throw new IllegalArgumentException("add_q output quantization must be per tensor");
        }
    }

    @Override
    public OpKind kind() {
        return OpKind.QUANTIZED_ADD;
    }

    /** Keeps only its clamp mask (the operands' scales are attributes); the sum may overwrite either operand. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return new OpTraits(Optional.empty(),
                new SavedForBackward(List.of(), true, SavedForBackward.PartialInput.NOT_PARTIAL),
                InPlaceOperands.of(0, 1));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.int8PerTensorOperands(node, in);
        if (!in.get(0).type().shape().equals(in.get(1).type().shape())
                || in.get(0).type().layout() != in.get(1).type().layout()) {
            Checks.fail(node, "shape", "operands %" + in.get(0).name() + " " + in.get(0).type().shape() + " and %"
                    + in.get(1).name() + " " + in.get(1).type().shape() + " differ in shape or layout");
        }
        TensorType y = in.get(0).type().requantized(DType.INT8, output);
        return saveMask ? List.of(y, TensorType.of(DType.BIT, y.shape(), y.layout())) : List.of(y);
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(Attr.OUTPUT, output);
        if (saveMask) {
            m.put("mask", true);
        }
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        Attr.writeOutput(out, output);
        out.put("mask", saveMask);
    }

    /** The same add with or without the mask result. */
    @Override
    public QuantizedAdd withSaveMask(boolean mask) {
        return new QuantizedAdd(output, mask);
    }

    static Op fromJson(JsonNode a) {
        return new QuantizedAdd(Attr.output(a), Attr.bool(a, "mask", false));
    }
}
