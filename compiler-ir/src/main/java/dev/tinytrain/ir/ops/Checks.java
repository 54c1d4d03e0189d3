package dev.tinytrain.ir.ops;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;

/** Operand checks shared by the op definitions; every failure names the node, the value and the rule. */
final class Checks {
    private Checks() {
    }

    static void arity(String node, OpKind kind, List<Value> inputs) {
        if (inputs.size() != kind.arity()) {
            throw new IrVerificationException(node, "arity", kind.irName() + " takes " + kind.arity()
                    + " operands, got " + inputs.size());
        }
    }

    static void dtype(String node, Value v, DType expected, String role) {
        if (v.type().dtype() != expected) {
            throw new IrVerificationException(node, "dtype", role + " %" + v.name() + " must be "
                    + expected.irName() + ", is " + v.type().dtype().irName());
        }
    }

    static void layout(String node, Value v, Layout expected, String role) {
        if (v.type().layout() != expected) {
            throw new IrVerificationException(node, "layout", role + " %" + v.name() + " must be "
                    + expected.irName() + ", is " + v.type().layout().irName());
        }
    }

    static void rank(String node, Value v, int rank, String role) {
        if (v.type().shape().rank() != rank) {
            throw new IrVerificationException(node, "shape", role + " %" + v.name() + " must have rank " + rank
                    + ", has shape " + v.type().shape());
        }
    }

    static Quantization perTensor(String node, Value v, String role) {
        TensorType t = v.type();
        if (t.quantization().isEmpty() || !t.quantization().get().isPerTensor()) {
            throw new IrVerificationException(node, "quantization", role + " %" + v.name()
                    + " needs per-tensor quantization");
        }
        return t.quantization().get();
    }

    /**
     * The checks of an int8 activation in {@code nhwc} of rank 4 with per-tensor quantization (the input of the
     * convolutions, pools, pads and means); returns its shape.
     */
    static Shape int8Nhwc(String node, Value v, String role) {
        dtype(node, v, DType.INT8, role);
        layout(node, v, Layout.NHWC, role);
        rank(node, v, 4, role);
        perTensor(node, v, role);
        return v.type().shape();
    }

    /** The dtype and rank checks of a convolution's weight ({@code int8}, rank 4) and bias ({@code int32}, rank 1). */
    static void convWeightAndBias(String node, Value weight, Value bias) {
        dtype(node, weight, DType.INT8, "weight");
        rank(node, weight, 4, "weight");
        dtype(node, bias, DType.INT32, "bias");
        rank(node, bias, 1, "bias");
    }

    /** Checks that every operand ("operand i") is int8 with per-tensor quantization (the quantized adds). */
    static void int8PerTensorOperands(String node, List<Value> operands) {
        for (int i = 0; i < operands.size(); i++) {
            dtype(node, operands.get(i), DType.INT8, "operand " + i);
            perTensor(node, operands.get(i), "operand " + i);
        }
    }

    static void fail(String node, String rule, String message) {
        throw new IrVerificationException(node, rule, message);
    }
}
