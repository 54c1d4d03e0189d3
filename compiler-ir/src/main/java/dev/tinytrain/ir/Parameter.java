package dev.tinytrain.ir;

import java.util.Objects;

/**
 * A named constant tensor of the model (weight, bias, head), with its contents and whether training updates it.
 * Names are paths such as {@code blocks[12].pointwise1.params.weight}.
 */
public record Parameter(Value value, TensorData data, Trainability trainability) {

    /** Validates that the data matches the value's type. */
    public Parameter {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(trainability, "trainability");
        if (data.dtype() != value.type().dtype()) {
            throw new IrVerificationException(null, "param-data", "parameter '" + value.name() + "' is "
                    + value.type().dtype().irName() + " but its data is " + data.dtype().irName());
        }
        if (data.byteSize() != value.type().byteSize()) {
            throw new IrVerificationException(null, "param-data", "parameter '" + value.name() + "' of shape "
                    + value.type().shape() + " needs " + value.type().byteSize() + " bytes, data has "
                    + data.byteSize());
        }
    }

    /** The parameter's name. */
    public String name() {
        return value.name();
    }

    /** The same parameter with other trainability. */
    public Parameter withTrainability(Trainability t) {
        return new Parameter(value, data, t);
    }
}
