package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The definition of one op kind: its attributes (the record components), type and shape inference, verification,
 * and its traits. Each kind is defined once, here; other modules register their per-kind code by {@link OpKind}.
 *
 * <p>{@link #traits} are the facts about an op that the passes, the memory planner, the memory report and the
 * backends need without knowing the op's kind: does it write a parameter in place (which one, by which rule),
 * what does a forward op keep for its gradient, which operands may its result overwrite. Every kind answers them
 * explicitly ({@code traits} has no default, so a new kind does not compile until it does);
 * {@link #fuseUpdate} is an optional fusion a gradient op may offer.
 */
public sealed interface Op permits ConvLayer, QuantizedAdd, GlobalAvgPool, Dequantize, Linear, Reshape,
        SoftmaxCrossEntropy, LinearGradInput, LinearGradWeight, DequantizeGrad, AvgPoolGrad, AddGrad, Accumulate,
        ConvGradOutput, ConvGradInput, ConvGradWeight, ConvGradBias, ChannelSlice, SgdUpdate, ConvGradWeightUpdate,
        ConvGradBiasUpdate, LinearGradWeightUpdate, StreamedBackward, TfliteAdd, TflitePad, TfliteMean,
        TflitePool, TfliteConcat, TfliteRelu, TfliteSoftmax, TfliteQuantize, TflitePadGrad, TflitePoolGrad,
        TfliteConcatGrad, BandRegion {

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

    /**
     * The traits of this op: whether it writes a parameter in place, what it keeps for its backward, which
     * operands its result may overwrite ({@link OpTraits#NONE} for none of these).
     *
     * @param inputs the operands (some answers depend on their layout, e.g. a depthwise conv's weight)
     */
    OpTraits traits(List<Value> inputs);

    /**
     * The same op with or without the clamp-mask result; only for ops whose traits'
     * {@link OpTraits#savedForBackward} has {@code clampMask}.
     *
     * @throws UnsupportedOperationException for an op that has no clamp mask
     */
    default Op withSaveMask(boolean save) {
        throw new UnsupportedOperationException(kind().irName() + " has no clamp mask to save");
    }

    /**
     * The op that computes this gradient and applies {@code update} to {@code parameter} in the same pass, when
     * this op computes a parameter's gradient and offers such a fusion; empty by default. The result is
     * bit-identical to running this op and then {@code update}.
     *
     * @param update the update that reads this op's result (and nothing else does)
     * @param operands this op's operands
     * @param parameter the parameter {@code update} writes
     */
    default Optional<FusedUpdate> fuseUpdate(SgdUpdate update, List<Value> operands, Value parameter) {
        return Optional.empty();
    }
}
