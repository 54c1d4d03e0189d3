package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * The definition of one op kind: its attributes (the record components), type and shape inference, and
 * verification. Each kind is defined once, here; other modules register their per-kind code by {@link OpKind}.
 */
public sealed interface Op permits Conv2d, QuantizedAdd, GlobalAvgPool, Dequantize, Linear, Reshape,
        SoftmaxCrossEntropy, LinearGradInput, LinearGradWeight, DequantizeGrad, AvgPoolGrad, AddGrad, Accumulate,
        ConvGradOutput, ConvGradInput, ConvGradWeight, ConvGradBias, ChannelSlice, SgdUpdate, ConvGradWeightUpdate,
        ConvGradBiasUpdate, LinearGradWeightUpdate, TfliteConv2d, TfliteAdd, TflitePad, TfliteMean, TflitePool,
        TfliteConcat, TfliteRelu, TfliteSoftmax, TfliteQuantize {

    /** The kind of this op. */
    OpKind kind();

    /**
     * Verifies the operands and infers the result type.
     *
     * @param node the node's name, used in error messages
     * @param inputs the operands
     * @return the types of the results, in order (most ops have one)
     * @throws dev.tinytrain.ir.IrVerificationException naming the node, value and rule when the operands are invalid
     */
    List<TensorType> inferTypes(String node, List<Value> inputs);

    /**
     * Attributes in a stable order, as printed and serialized (values: Integer, List, Shape, Quantization);
     * none by default.
     */
    default Map<String, Object> attributes() {
        return Map.of();
    }

    /** Writes the attributes into {@code out} (the inverse of the kind's JSON parser); nothing by default. */
    default void writeJson(ObjectNode out) {
        // an op without attributes writes nothing
    }

    /** Multiply-accumulate operations of this op for the given operand types (0 when it does no MACs). */
    default long macs(List<Value> inputs, List<TensorType> results) {
        return 0;
    }
}
