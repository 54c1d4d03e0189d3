package dev.tinytrain.ir;

import java.util.Optional;

/** The type of an IR value: element type, shape, layout and optional quantization. */
public record TensorType(DType dtype, Shape shape, Layout layout, Optional<Quantization> quantization) {

    /** Validates that the quantization, if any, fits the shape and element type. */
    public TensorType {
        java.util.Objects.requireNonNull(dtype, "dtype");
        java.util.Objects.requireNonNull(shape, "shape");
        java.util.Objects.requireNonNull(layout, "layout");
        java.util.Objects.requireNonNull(quantization, "quantization");
        quantization.ifPresent(q -> {
            if (dtype != DType.INT8 && dtype != DType.INT32) {
                throw new InvalidQuantizationException("a " + dtype.irName() + " tensor cannot be quantized");
            }
            if (!q.isPerTensor()) {
                if (q.axis() >= shape.rank()) {
                    throw new InvalidQuantizationException("quantization axis " + q.axis()
                            + " is outside shape " + shape);
                }
                if (shape.dim(q.axis()) != q.scales().size()) {
                    throw new InvalidQuantizationException("per-channel quantization has " + q.scales().size()
                            + " scales but axis " + q.axis() + " of shape " + shape + " has "
                            + shape.dim(q.axis()) + " channels");
                }
            }
        });
    }

    /** An unquantized type. */
    public static TensorType of(DType dtype, Shape shape, Layout layout) {
        return new TensorType(dtype, shape, layout, Optional.empty());
    }

    /** A quantized type. */
    public static TensorType quantized(DType dtype, Shape shape, Layout layout, Quantization q) {
        return new TensorType(dtype, shape, layout, Optional.of(q));
    }

    /** Number of elements. */
    public long elementCount() {
        return shape.elementCount();
    }

    /** Storage size in bytes. */
    public long byteSize() {
        return dtype.byteSize(shape.elementCount());
    }

    /** The quantization, or an error naming {@code what} when it is missing. */
    public Quantization requireQuantization(String what) {
        return quantization.orElseThrow(() -> new IllegalStateException(what + " has no quantization"));
    }

    /** This shape and layout as {@code newDtype} with quantization {@code q} (the result of a requantizing op). */
    public TensorType requantized(DType newDtype, Quantization q) {
        return quantized(newDtype, shape, layout, q);
    }

    /** Same type with another shape. */
    public TensorType withShape(Shape newShape, Layout newLayout) {
        return new TensorType(dtype, newShape, newLayout, quantization);
    }
}
