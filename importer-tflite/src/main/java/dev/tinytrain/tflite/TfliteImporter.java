package dev.tinytrain.tflite;

import com.google.common.hash.Hashing;
import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorData;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.ModelFormatException;
import dev.tinytrain.ir.ops.Dequantize;
import dev.tinytrain.ir.ops.Linear;
import dev.tinytrain.ir.ops.Reshape;
import dev.tinytrain.ir.ops.TfliteAdd;
import dev.tinytrain.ir.ops.TfliteConcat;
import dev.tinytrain.ir.ops.TfliteConv2d;
import dev.tinytrain.ir.ops.TfliteMean;
import dev.tinytrain.ir.ops.TflitePad;
import dev.tinytrain.ir.ops.TflitePool;
import dev.tinytrain.ir.ops.TfliteQuantize;
import dev.tinytrain.ir.ops.TfliteRelu;
import dev.tinytrain.ir.ops.TfliteSoftmax;
import dev.tinytrain.tflite.schema.ActivationFunctionType;
import dev.tinytrain.tflite.schema.AddOptions;
import dev.tinytrain.tflite.schema.BuiltinOperator;
import dev.tinytrain.tflite.schema.ConcatenationOptions;
import dev.tinytrain.tflite.schema.Conv2DOptions;
import dev.tinytrain.tflite.schema.DepthwiseConv2DOptions;
import dev.tinytrain.tflite.schema.FullyConnectedOptions;
import dev.tinytrain.tflite.schema.Model;
import dev.tinytrain.tflite.schema.Operator;
import dev.tinytrain.tflite.schema.OperatorCode;
import dev.tinytrain.tflite.schema.Padding;
import dev.tinytrain.tflite.schema.Pool2DOptions;
import dev.tinytrain.tflite.schema.QuantizationParameters;
import dev.tinytrain.tflite.schema.ReducerOptions;
import dev.tinytrain.tflite.schema.SoftmaxOptions;
import dev.tinytrain.tflite.schema.SubGraph;
import dev.tinytrain.tflite.schema.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports a full-integer TFLite flatbuffer (int8 activations, per-channel int8 weights, int32 biases, one
 * subgraph, static shapes) into a forward graph of {@code Tflite*} ops, which compute what TFLite's reference
 * kernels compute, bit for bit.
 *
 * <p>Naming: the node of TFLite operator {@code k} (its index in the subgraph's execution order) is {@code op<k>}
 * (a fully connected layer also has {@code op<k>.in}, the flattened input); its weight and bias parameters are
 * {@code op<k>.weight} and {@code op<k>.bias}. {@link ImportedModel#taps()} maps the TFLite tensor index (as a
 * decimal string) of the model input and of every operator output to its value.
 */
public final class TfliteImporter {
    /** Largest .tflite file read (a microcontroller model is a few MB at most; TFLite's own limit is 2 GB). */
    static final long MAX_FILE_BYTES = 256L << 20;

    private final Path file;
    private final Model model;
    private final SubGraph sub;
    private final GraphBuilder b;
    private final Map<Integer, Value> values = new LinkedHashMap<>();
    private final Map<String, Value> taps = new LinkedHashMap<>();

    private final HeadSpec head;

    private TfliteImporter(Path file, Model model, String name, HeadSpec head) {
        this.file = file;
        this.model = model;
        this.sub = model.subgraphs(0);
        this.b = new GraphBuilder(name);
        this.head = head;
    }

    /**
     * Reads {@code file}.
     *
     * @return the forward graph (input {@code %input}, result the model's output) and its taps
     * @throws UnsupportedTfliteException for an operator, type or feature outside what is imported (naming it)
     * @throws ModelFormatException for a malformed file
     * @throws dev.tinytrain.fileio.FileAccessException when the file is not a regular file, is larger than 256 MiB
     *     or cannot be read (with the OS reason)
     */
    public static ImportedModel load(Path file) {
        return load(file, HeadSpec.pretrained());
    }

    /**
     * Reads {@code file} with the given head. {@link HeadSpec#pretrained()} keeps the whole model (int8 result);
     * a {@link HeadSpec#transfer transfer head} replaces the last {@code FULLY_CONNECTED} and every operator
     * after it (a softmax, say) by a float32 {@code Linear} on its dequantized input ({@code %feature}), named
     * {@code head.weight} / {@code head.bias}, result {@code %logits}; and a {@code PAD} whose only reader is a conv
     * is folded into the conv's padding ({@link PadFolding}: bit-identical, no padded copy in the arena), so its
     * output tensor has no tap.
     *
     * @throws UnsupportedTfliteException as {@link #load(Path)}, and for a transfer head when the model has no
     *     {@code FULLY_CONNECTED} or the head does not fit its input
     */
    public static ImportedModel load(Path file, HeadSpec head) {
        // a regular file of bounded size (never a pipe, never an unbounded read); the message carries the OS reason
        byte[] bytes = InputFiles.readAllBytes(file, MAX_FILE_BYTES);
        Model model;
        try {
            ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.length < 8 || !Model.ModelBufferHasIdentifier(bb)) {
                throw new ModelFormatException(file, "file_identifier", "not a TFLite flatbuffer (identifier TFL3"
                        + " missing)");
            }
            model = Model.getRootAsModel(bb);
        } catch (IndexOutOfBoundsException e) {
            throw new ModelFormatException(file, null, "truncated or malformed flatbuffer: " + e.getMessage());
        }
        if (model.subgraphsLength() != 1) {
            throw new UnsupportedTfliteException(file, "subgraphs", model.subgraphsLength()
                    + " subgraphs; only single-subgraph models are imported");
        }
        String name = file.getFileName().toString().replaceFirst("\\.tflite$", "");
        TfliteImporter imp = new TfliteImporter(file, model, name, head);
        try {
            Graph g = imp.build();
            if (!head.isPretrained()) {
                // a training graph: no padded copies (bit-identical; the pretrained graph keeps every TFLite
                // tensor for the goldens)
                g = PadFolding.fold(g, imp.taps);
            }
            // the backbone convs a sparse-update policy indexes: every tfl.conv2d before the head, in forward order
            List<String> convOrder = g.nodes().stream().filter(n -> n.op() instanceof TfliteConv2d)
                    .map(dev.tinytrain.ir.Node::name).toList();
            return new ImportedModel(g, name, Hashing.sha256().hashBytes(bytes).toString(), imp.taps, convOrder);
        } catch (IndexOutOfBoundsException e) {
            throw new ModelFormatException(file, null, "malformed flatbuffer: " + e.getMessage());
        }
    }

    private Graph build() {
        if (sub.inputsLength() != 1 || sub.outputsLength() != 1) {
            throw new UnsupportedTfliteException(file, "subgraph 0", sub.inputsLength() + " inputs and "
                    + sub.outputsLength() + " outputs; one of each is imported");
        }
        int in = sub.inputs(0);
        Tensor t = sub.tensors(in);
        String where = "tensor " + in + " (model input)";
        // a float-in model: a float32 input whose every reader is QUANTIZE
        Value x = b.input("input", t.type() == dev.tinytrain.tflite.schema.TensorType.FLOAT32 && onlyQuantized(in)
                ? TensorType.of(DType.FLOAT32, Shape.of(shapeOf(t, where)), layoutOf(shapeOf(t, where)))
                : activationType(t, where));
        values.put(in, x);
        taps.put(Integer.toString(in), x);
        int headOp = head.isPretrained() ? -1 : lastFullyConnected();
        for (int k = 0; k < sub.operatorsLength(); k++) {
            Operator op = sub.operators(k);
            int code = builtinCode(op);
            if (k == headOp) {
                return b.output(transferHead(new OpContext(k, "FULLY_CONNECTED", op))).build();
            }
            String opName = code >= 0 && code < BuiltinOperator.names.length ? BuiltinOperator.name(code)
                    : "builtin " + code;
            OpContext ctx = new OpContext(k, opName, op);
            Value y = switch (code) {
                case BuiltinOperator.CONV_2D -> conv(ctx, false);
                case BuiltinOperator.DEPTHWISE_CONV_2D -> conv(ctx, true);
                case BuiltinOperator.FULLY_CONNECTED -> fullyConnected(ctx);
                case BuiltinOperator.ADD -> add(ctx);
                case BuiltinOperator.PAD -> pad(ctx);
                case BuiltinOperator.MEAN -> mean(ctx);
                case BuiltinOperator.AVERAGE_POOL_2D -> pool(ctx, false);
                case BuiltinOperator.MAX_POOL_2D -> pool(ctx, true);
                case BuiltinOperator.CONCATENATION -> concat(ctx);
                case BuiltinOperator.RELU -> relu(ctx);
                case BuiltinOperator.RESHAPE -> reshape(ctx);
                case BuiltinOperator.SOFTMAX -> softmax(ctx);
                case BuiltinOperator.DEQUANTIZE -> dequantize(ctx);
                case BuiltinOperator.QUANTIZE -> quantize(ctx);
                default -> throw ctx.unsupported("operator " + opName + " is not imported (supported: CONV_2D,"
                        + " DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, PAD, MEAN, AVERAGE_POOL_2D, MAX_POOL_2D,"
                        + " CONCATENATION, RELU, RESHAPE, SOFTMAX, QUANTIZE, DEQUANTIZE)");
            };
            int out = ctx.output();
            values.put(out, y);
            taps.put(Integer.toString(out), y);
        }
        Value result = values.get(sub.outputs(0));
        if (result == null) {
            throw new UnsupportedTfliteException(file, "subgraph 0", "the output tensor " + sub.outputs(0)
                    + " is not written by any operator");
        }
        return b.output(result).build();
    }

    /** The index of the last FULLY_CONNECTED operator (the classifier a transfer head replaces). */
    private int lastFullyConnected() {
        for (int k = sub.operatorsLength() - 1; k >= 0; k--) {
            if (builtinCode(sub.operators(k)) == BuiltinOperator.FULLY_CONNECTED) {
                return k;
            }
        }
        throw new UnsupportedTfliteException(file, "operators", "no FULLY_CONNECTED operator for a transfer head"
                + " to replace");
    }

    /** The transfer head on the dequantized input of the last fully connected layer. */
    private Value transferHead(OpContext c) {
        Value x = c.activation(0);
        int features = Math.toIntExact(x.type().elementCount());
        if (head.weight().length != (long) head.classes() * features) {
            throw c.unsupported("transfer head weight of " + head.weight().length + " floats is not [" + head.classes()
                    + ", " + features + "] for the " + features + " features entering it");
        }
        Value flat = x.type().shape().equals(Shape.of(1, features)) ? x
                : b.add("flatten", new Reshape(Shape.of(1, features), Layout.ROW_MAJOR), x);
        Value feature = b.add("feature", new Dequantize(), flat);
        Value w = b.parameter("head.weight", TensorType.of(DType.FLOAT32, Shape.of(head.classes(), features),
                Layout.ROW_MAJOR), TensorData.ofFloat32(head.weight()));
        Value bias = b.parameter("head.bias", TensorType.of(DType.FLOAT32, Shape.of(head.classes()),
                Layout.ROW_MAJOR), TensorData.ofFloat32(head.bias()));
        Value logits = b.add("logits", new Linear(), feature, w, bias);
        taps.put("feature", feature);
        taps.put("logits", logits);
        return logits;
    }

    /**
     * The number of features entering the last {@code FULLY_CONNECTED} of {@code file} (the input width of a
     * transfer head), from the imported graph with its own classifier.
     *
     * @throws UnsupportedTfliteException when there is none
     */
    public static int featureChannels(Path file) {
        ImportedModel m = load(file);
        for (int k = m.graph().nodes().size() - 1; k >= 0; k--) {
            var n = m.graph().nodes().get(k);
            if (n.op() instanceof TfliteConv2d conv && conv.fullyConnected()) {
                return Math.toIntExact(n.inputs().get(0).type().elementCount());
            }
        }
        throw new UnsupportedTfliteException(file, "operators", "no FULLY_CONNECTED operator for a transfer head"
                + " to replace");
    }

    private int builtinCode(Operator op) {
        OperatorCode oc = model.operatorCodes((int) op.opcodeIndex());
        // schema rule: the larger of the deprecated int8 code and the int32 code is the builtin operator
        return Math.max(oc.deprecatedBuiltinCode(), oc.builtinCode());
    }

    /** One operator being imported: its index, name and operands. */
    private final class OpContext {
        final int index;
        final String name;
        final Operator op;

        OpContext(int index, String name, Operator op) {
            this.index = index;
            this.name = name;
            this.op = op;
            if (op.outputsLength() != 1) {
                throw unsupported(op.outputsLength() + " outputs; one is imported");
            }
        }

        String where() {
            return "operator " + index + " (" + name + ")";
        }

        UnsupportedTfliteException unsupported(String message) {
            return new UnsupportedTfliteException(file, where(), message);
        }

        String node() {
            return "op" + index;
        }

        int output() {
            return op.outputs(0);
        }

        /** The activation operand {@code i} (computed earlier or the model input). */
        Value activation(int i) {
            int t = op.inputs(i);
            Value v = values.get(t);
            if (v == null) {
                throw unsupported("input " + i + " (tensor " + t + ") is neither the model input nor an earlier"
                        + " operator's output (constant activations are not imported)");
            }
            return v;
        }

        Tensor tensor(int i) {
            return sub.tensors(op.inputs(i));
        }

        Tensor outTensor() {
            return sub.tensors(output());
        }

        /** The output's int8 per-tensor quantization. */
        Quantization outQuant() {
            return activationType(outTensor(), where() + " output tensor " + output()).quantization()
                    .orElseThrow();
        }

        int[] outShape() {
            return shapeOf(outTensor(), where() + " output tensor " + output());
        }

        /** The constant data of input {@code i}. */
        ByteBuffer constant(int i) {
            Tensor t = tensor(i);
            long buf = t.buffer();
            ByteBuffer data = buf == 0 ? null : model.buffers((int) buf).dataAsByteBuffer();
            if (data == null || model.buffers((int) buf).offset() != 0) {
                throw unsupported("input " + i + " (tensor " + op.inputs(i) + ") must be a constant stored in the"
                        + " flatbuffer");
            }
            return data.order(ByteOrder.LITTLE_ENDIAN);
        }

        int[] ints(int i) {
            ByteBuffer d = constant(i);
            int[] v = new int[d.remaining() / 4];
            d.asIntBuffer().get(v);
            return v;
        }
    }

    private int[] shapeOf(Tensor t, String where) {
        int[] s = new int[t.shapeLength()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.shape(i);
        }
        for (int i = 0; i < t.shapeSignatureLength(); i++) {
            if (t.shapeSignature(i) < 0) {
                throw new UnsupportedTfliteException(file, where, "dynamic shape (signature " + i + " is "
                        + t.shapeSignature(i) + "); only static shapes are imported");
            }
        }
        return s;
    }

    private static Layout layoutOf(int[] shape) {
        return shape.length == 4 ? Layout.NHWC : Layout.ROW_MAJOR;
    }

    /** The int8 per-tensor-quantized type of an activation tensor; anything else is refused. */
    private TensorType activationType(Tensor t, String where) {
        int[] shape = shapeOf(t, where);
        if (t.type() != dev.tinytrain.tflite.schema.TensorType.INT8) {
            String type = dev.tinytrain.tflite.schema.TensorType.name(t.type());
            throw new UnsupportedTfliteException(file, where, type + " activations are not imported (only int8;"
                    + (t.type() == dev.tinytrain.tflite.schema.TensorType.FLOAT32 ? " convert float models, and"
                    + " float-in models with a QUANTIZE op, with full-integer quantization and int8 input/output"
                    : " int16 and other types are not supported") + ")");
        }
        Quantization q = quantization(t, where);
        if (!q.isPerTensor()) {
            throw new UnsupportedTfliteException(file, where, "per-channel quantized activations are not imported");
        }
        return TensorType.quantized(DType.INT8, Shape.of(shape), layoutOf(shape), q);
    }

    private Quantization quantization(Tensor t, String where) {
        QuantizationParameters qp = t.quantization();
        if (qp == null || qp.scaleLength() == 0 || qp.scaleLength() != qp.zeroPointLength()) {
            throw new UnsupportedTfliteException(file, where, "tensor is not affine quantized (scale and zero point"
                    + " per tensor or per channel)");
        }
        List<Double> scales = new ArrayList<>();
        List<Integer> zeros = new ArrayList<>();
        for (int i = 0; i < qp.scaleLength(); i++) {
            scales.add((double) qp.scale(i));
            zeros.add((int) qp.zeroPoint(i));
        }
        try {
            return new Quantization(scales, zeros, qp.scaleLength() == 1 ? -1 : qp.quantizedDimension());
        } catch (RuntimeException e) {
            throw new ModelFormatException(file, where, e.getMessage());
        }
    }

    private static int activationMin(int fused, Quantization q) {
        return switch (fused) {
            case ActivationFunctionType.RELU, ActivationFunctionType.RELU6 -> Math.max(-128, q.zeroPoint());
            case ActivationFunctionType.RELU_N1_TO_1 -> Math.max(-128, q.zeroPoint() + quantizeBound(-1f, q));
            default -> -128;
        };
    }

    private static int activationMax(int fused, Quantization q) {
        return switch (fused) {
            case ActivationFunctionType.RELU6 -> Math.min(127, q.zeroPoint() + quantizeBound(6f, q));
            case ActivationFunctionType.RELU_N1_TO_1 -> Math.min(127, q.zeroPoint() + quantizeBound(1f, q));
            default -> 127;
        };
    }

    /** TFLite's {@code Quantize} of an activation bound: {@code round_half_away(f / fl32(scale))} in float32. */
    private static int quantizeBound(float f, Quantization q) {
        float r = f / (float) q.scale();
        return (int) (Math.copySign(Math.floor(Math.abs((double) r) + 0.5), r));
    }

    private void requireActivation(OpContext c, int fused) {
        if (fused != ActivationFunctionType.NONE && fused != ActivationFunctionType.RELU
                && fused != ActivationFunctionType.RELU6 && fused != ActivationFunctionType.RELU_N1_TO_1) {
            throw c.unsupported("fused activation " + ActivationFunctionType.name(fused) + " is not imported");
        }
    }

    /** TFLite's padding of one spatial dimension: {@code [before, after]}. */
    private static int[] padding(int padding, int in, int filter, int stride, int out) {
        if (padding == Padding.VALID) {
            return new int[] {0, 0};
        }
        int total = Math.max((out - 1) * stride + filter - in, 0);
        return new int[] {total / 2, total - total / 2};
    }

    private Value weight(OpContext c, int i, Layout layout, int[] shape) {
        Tensor t = c.tensor(i);
        String where = c.where() + " weight tensor " + c.op.inputs(i);
        if (t.type() != dev.tinytrain.tflite.schema.TensorType.INT8) {
            throw c.unsupported("weight tensor " + c.op.inputs(i) + " is "
                    + dev.tinytrain.tflite.schema.TensorType.name(t.type()) + "; only int8 weights are imported");
        }
        Quantization q = quantization(t, where);
        int axis = layout == Layout.DEPTHWISE ? 3 : 0;
        if (!q.isPerTensor()) {
            q = new Quantization(q.scales(), q.zeroPoints(), axis);
        }
        ByteBuffer d = c.constant(i);
        byte[] data = new byte[d.remaining()];
        d.get(data);
        return b.parameter(c.node() + ".weight", TensorType.quantized(DType.INT8, Shape.of(shape), layout, q),
                TensorData.ofInt8(data));
    }

    private Value bias(OpContext c, int i, int channels) {
        if (c.op.inputsLength() <= i || c.op.inputs(i) < 0) {
            return b.parameter(c.node() + ".bias", TensorType.of(DType.INT32, Shape.of(channels), Layout.ROW_MAJOR),
                    TensorData.ofInt32(new int[channels]));
        }
        Tensor t = c.tensor(i);
        if (t.type() != dev.tinytrain.tflite.schema.TensorType.INT32) {
            throw c.unsupported("bias tensor " + c.op.inputs(i) + " is "
                    + dev.tinytrain.tflite.schema.TensorType.name(t.type()) + "; only int32 biases are imported");
        }
        int[] v = c.ints(i);
        if (v.length != channels) {
            throw new ModelFormatException(file, c.where(), "bias has " + v.length + " values for " + channels
                    + " output channels");
        }
        return b.parameter(c.node() + ".bias", TensorType.of(DType.INT32, Shape.of(channels), Layout.ROW_MAJOR),
                TensorData.ofInt32(v));
    }

    private Value conv(OpContext c, boolean depthwise) {
        Value x = c.activation(0);
        int[] ws = shapeOf(c.tensor(1), c.where() + " weight");
        int[] xs = x.type().shape().toArray();
        int[] ys = c.outShape();
        int strideH;
        int strideW;
        int pad;
        int fused;
        int dilH;
        int dilW;
        if (depthwise) {
            DepthwiseConv2DOptions o = (DepthwiseConv2DOptions) c.op.builtinOptions(new DepthwiseConv2DOptions());
            strideH = o.strideH();
            strideW = o.strideW();
            pad = o.padding();
            fused = o.fusedActivationFunction();
            dilH = o.dilationHFactor();
            dilW = o.dilationWFactor();
            if (o.depthMultiplier() != 1 && ws[3] != xs[3]) {
                throw c.unsupported("depth multiplier " + o.depthMultiplier() + "; only 1 is imported");
            }
        } else {
            Conv2DOptions o = (Conv2DOptions) c.op.builtinOptions(new Conv2DOptions());
            strideH = o.strideH();
            strideW = o.strideW();
            pad = o.padding();
            fused = o.fusedActivationFunction();
            dilH = o.dilationHFactor();
            dilW = o.dilationWFactor();
        }
        if (dilH != 1 || dilW != 1) {
            throw c.unsupported("dilation " + dilH + "x" + dilW + "; only 1x1 is imported");
        }
        requireActivation(c, fused);
        if (ws.length != 4) {
            throw new ModelFormatException(file, c.where(), "weight has rank " + ws.length + ", expected 4");
        }
        int[] ph = padding(pad, xs[1], ws[1], strideH, ys[1]);
        int[] pw = padding(pad, xs[2], ws[2], strideW, ys[2]);
        Quantization yq = c.outQuant();
        Value w = weight(c, 1, depthwise ? Layout.DEPTHWISE : Layout.OHWI, ws);
        int cout = depthwise ? ws[3] : ws[0];
        int groups = depthwise ? xs[3] : xs[3] / ws[3];
        Value bias = bias(c, 2, cout);
        Value y = b.add(c.node(), new TfliteConv2d(strideH, strideW, ph[0], pw[0], ph[1], pw[1], groups, yq,
                activationMin(fused, yq), activationMax(fused, yq), false), x, w, bias);
        requireShape(c, y, ys);
        return y;
    }

    private Value fullyConnected(OpContext c) {
        FullyConnectedOptions o = (FullyConnectedOptions) c.op.builtinOptions(new FullyConnectedOptions());
        if (o != null && o.weightsFormat() != 0) {
            throw c.unsupported("shuffled weights format " + o.weightsFormat() + " is not imported");
        }
        int fused = o == null ? ActivationFunctionType.NONE : o.fusedActivationFunction();
        requireActivation(c, fused);
        Value x = c.activation(0);
        int[] ws = shapeOf(c.tensor(1), c.where() + " weight");
        int[] ys = c.outShape();
        if (ws.length != 2 || x.type().elementCount() != ws[1]) {
            throw c.unsupported("input " + x.type().shape() + " and weight " + java.util.Arrays.toString(ws)
                    + " are not one row times [O, I] (batch 1)");
        }
        Value flat = b.add(c.node() + ".in", new Reshape(Shape.of(1, 1, 1, ws[1]), Layout.NHWC), x);
        Value w = weight(c, 1, Layout.OHWI, new int[] {ws[0], 1, 1, ws[1]});
        Value bias = bias(c, 2, ws[0]);
        Quantization yq = c.outQuant();
        Value conv = b.add(c.node() + ".conv", new TfliteConv2d(1, 1, 0, 0, 0, 0, 1, yq,
                activationMin(fused, yq), activationMax(fused, yq), true), flat, w, bias);
        Value y = b.add(c.node(), new Reshape(Shape.of(ys), layoutOf(ys)), conv);
        requireShape(c, y, ys);
        return y;
    }

    private Value add(OpContext c) {
        AddOptions o = (AddOptions) c.op.builtinOptions(new AddOptions());
        int fused = o == null ? ActivationFunctionType.NONE : o.fusedActivationFunction();
        requireActivation(c, fused);
        Value a = c.activation(0);
        Value bv = c.activation(1);
        if (!a.type().shape().equals(bv.type().shape())) {
            throw c.unsupported("broadcasting add of " + a.type().shape() + " and " + bv.type().shape()
                    + " is not imported");
        }
        Quantization yq = c.outQuant();
        return b.add(c.node(), new TfliteAdd(yq, activationMin(fused, yq), activationMax(fused, yq)), a, bv);
    }

    private Value pad(OpContext c) {
        Value x = c.activation(0);
        int[] p = c.ints(1);
        if (p.length != 8 || x.type().shape().rank() != 4 || p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) {
            throw c.unsupported("paddings " + java.util.Arrays.toString(p) + "; only height and width of an NHWC"
                    + " tensor are padded");
        }
        if (!c.outQuant().equals(x.type().quantization().orElseThrow())) {
            throw c.unsupported("output quantization differs from the input's");
        }
        Value y = b.add(c.node(), new TflitePad(p[2], p[3], p[4], p[5]), x);
        requireShape(c, y, c.outShape());
        return y;
    }

    private Value mean(OpContext c) {
        Value x = c.activation(0);
        int[] axes = c.ints(1);
        ReducerOptions o = (ReducerOptions) c.op.builtinOptions(new ReducerOptions());
        boolean keep = o != null && o.keepDims();
        java.util.Arrays.sort(axes);
        if (x.type().shape().rank() != 4 || !java.util.Arrays.equals(axes, new int[] {1, 2}) || keep) {
            throw c.unsupported("mean over axes " + java.util.Arrays.toString(axes) + (keep ? " keeping dims" : "")
                    + "; only the spatial mean [1, 2] of an NHWC tensor without keep_dims is imported");
        }
        Value y = b.add(c.node(), new TfliteMean(c.outQuant()), x);
        requireShape(c, y, c.outShape());
        return y;
    }

    private Value pool(OpContext c, boolean max) {
        Value x = c.activation(0);
        Pool2DOptions o = (Pool2DOptions) c.op.builtinOptions(new Pool2DOptions());
        requireActivation(c, o.fusedActivationFunction());
        if (!c.outQuant().equals(x.type().quantization().orElseThrow())) {
            throw c.unsupported("output quantization differs from the input's (TFLite requires them equal)");
        }
        int[] xs = x.type().shape().toArray();
        int[] ys = c.outShape();
        int[] ph = padding(o.padding(), xs[1], o.filterHeight(), o.strideH(), ys[1]);
        int[] pw = padding(o.padding(), xs[2], o.filterWidth(), o.strideW(), ys[2]);
        Quantization q = c.outQuant();
        Value y = b.add(c.node(), new TflitePool(max, o.filterHeight(), o.filterWidth(), o.strideH(), o.strideW(),
                ph[0], pw[0], ph[1], pw[1], activationMin(o.fusedActivationFunction(), q),
                activationMax(o.fusedActivationFunction(), q)), x);
        requireShape(c, y, ys);
        return y;
    }

    private Value concat(OpContext c) {
        ConcatenationOptions o = (ConcatenationOptions) c.op.builtinOptions(new ConcatenationOptions());
        if (o.fusedActivationFunction() != ActivationFunctionType.NONE) {
            throw c.unsupported("fused activation on a concatenation is not imported");
        }
        Quantization q = c.outQuant();
        Value acc = c.activation(0);
        int rank = acc.type().shape().rank();
        int axis = o.axis() < 0 ? o.axis() + rank : o.axis();
        for (int i = 0; i < c.op.inputsLength(); i++) {
            if (!c.activation(i).type().quantization().orElseThrow().equals(q)) {
                throw c.unsupported("input " + i + " is quantized differently from the output; only concatenation"
                        + " of one quantization (a copy) is imported");
            }
        }
        for (int i = 1; i < c.op.inputsLength(); i++) {
            String name = i == c.op.inputsLength() - 1 ? c.node() : c.node() + ".part" + i;
            acc = b.add(name, new TfliteConcat(axis), acc, c.activation(i));
        }
        requireShape(c, acc, c.outShape());
        return acc;
    }

    private Value relu(OpContext c) {
        return b.add(c.node(), new TfliteRelu(c.outQuant()), c.activation(0));
    }

    private Value softmax(OpContext c) {
        SoftmaxOptions o = (SoftmaxOptions) c.op.builtinOptions(new SoftmaxOptions());
        Quantization q = c.outQuant();
        if (q.zeroPoint() != -128 || (float) q.scale() != 1f / 256) {
            throw c.unsupported("int8 softmax output quantized with scale " + q.scale() + " and zero point "
                    + q.zeroPoint() + " (TFLite requires 1/256 and -128)");
        }
        return b.add(c.node(), new TfliteSoftmax(o == null ? 1f : o.beta(), q), c.activation(0));
    }

    private Value reshape(OpContext c) {
        Value x = c.activation(0);
        int[] ys = c.outShape();
        if (!c.outQuant().equals(x.type().quantization().orElseThrow())) {
            throw c.unsupported("output quantization differs from the input's");
        }
        return b.add(c.node(), new Reshape(Shape.of(ys), layoutOf(ys)), x);
    }

    /** True when every operator reading tensor {@code t} is a QUANTIZE (and there is one). */
    private boolean onlyQuantized(int t) {
        boolean read = false;
        for (int k = 0; k < sub.operatorsLength(); k++) {
            Operator op = sub.operators(k);
            for (int i = 0; i < op.inputsLength(); i++) {
                if (op.inputs(i) == t) {
                    if (builtinCode(op) != BuiltinOperator.QUANTIZE) {
                        return false;
                    }
                    read = true;
                }
            }
        }
        return read;
    }

    private Value quantize(OpContext c) {
        Value x = c.activation(0);
        if (x.type().dtype() != DType.FLOAT32) {
            throw c.unsupported("QUANTIZE of " + x.type().dtype().irName() + "; only float32 to int8 is imported");
        }
        return b.add(c.node(), new TfliteQuantize(c.outQuant()), x);
    }

    private Value dequantize(OpContext c) {
        if (c.outTensor().type() != dev.tinytrain.tflite.schema.TensorType.FLOAT32) {
            throw c.unsupported("dequantize to " + dev.tinytrain.tflite.schema.TensorType.name(c.outTensor().type())
                    + "; only int8 to float32 is imported");
        }
        return b.add(c.node(), new Dequantize(), c.activation(0));
    }

    private void requireShape(OpContext c, Value y, int[] expected) {
        if (!java.util.Arrays.equals(y.type().shape().toArray(), expected)) {
            throw new ModelFormatException(file, c.where(), "output tensor " + c.output() + " has shape "
                    + java.util.Arrays.toString(expected) + ", the operator computes " + y.type().shape());
        }
    }
}
