package dev.tinytrain.finetune;

import dev.tinytrain.compiler.output.LoadedModel;
import dev.tinytrain.compiler.output.ModelSource;
import dev.tinytrain.dataset.PixelToInt8;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.TensorType;
import java.util.Locale;
import java.util.Objects;

/**
 * How a dataset's 8-bit pixels become a model's int8 input: the pixel table the {@link
 * dev.tinytrain.dataset.Preprocessor} applies after resizing, and a line saying which it is (echoed in the
 * results JSON).
 *
 * <p>The authors' models (shipped, folder, IR JSON) take the protocol's table ({@link PixelToInt8#bundled()}),
 * their original data path. A {@code .tflite} model expects its own input quantization: pixels are mapped to real
 * values in a range (by default {@link #TFLITE_DEFAULT_LOW}..{@link #TFLITE_DEFAULT_HIGH}, TensorFlow's
 * {@code x / 127.5 - 1}, with which the converter calibrated the shared TFLite models) and quantized with the
 * model's input scale and zero point ({@link PixelToInt8#forRange}). Feeding a TFLite model the protocol's table
 * would give it other integers than it was calibrated on: for {@code mcunet-5fps-int8.tflite} (scale 0.00784293,
 * zero point 0) the background pixel 0 becomes -127 instead of -128, and for a model with another scale or zero
 * point (e.g. {@code [0, 1]} inputs, scale 1/255, zero point -128) the input would be meaningless.
 *
 * @param table the pixel table
 * @param description what the table is, e.g. {@code "protocol table (pixel_to_int8.json)"}
 */
public record InputPixels(PixelToInt8 table, String description) {
    /** The real value of pixel 0 a {@code .tflite} model is fed by default. */
    public static final double TFLITE_DEFAULT_LOW = -1;
    /** The real value of pixel 255 a {@code .tflite} model is fed by default. */
    public static final double TFLITE_DEFAULT_HIGH = 1;

    /** Checks the parts. */
    public InputPixels {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(description, "description");
    }

    /** The protocol's table, the original authors' data path for their models. */
    public static InputPixels protocol() {
        return new InputPixels(PixelToInt8.bundled(), "protocol table (pixel_to_int8.json)");
    }

    /**
     * The pixels of {@code model}: with {@code range} (the real values of pixels 0 and 255), that range quantized
     * with the model's input quantization; without, the protocol's table for the authors' models and
     * [{@value #TFLITE_DEFAULT_LOW}, {@value #TFLITE_DEFAULT_HIGH}] for a {@code .tflite} model.
     *
     * @param model the loaded model (its {@link LoadedModel#kind()} and first input)
     * @param range {@code {low, high}}, or null for the default
     * @return the table and its description
     * @throws IllegalArgumentException if {@code range} is not two finite values {@code low < high}, or a range
     *     applies to a model whose input is not quantized int8
     */
    public static InputPixels forModel(LoadedModel model, double[] range) {
        boolean tflite = ModelSource.Kind.TFLITE.label().equals(model.kind());
        if (range == null && !tflite) {
            return protocol();
        }
        double[] r = range != null ? range : new double[] {TFLITE_DEFAULT_LOW, TFLITE_DEFAULT_HIGH};
        if (r.length != 2) {
            throw new IllegalArgumentException("the pixel range needs two values (low, high), got " + r.length);
        }
        TensorType in = model.graph().inputs().get(0).type();
        if (in.dtype() != DType.INT8 || in.quantization().isEmpty() || !in.quantization().get().isPerTensor()) {
            throw new IllegalArgumentException("model " + model.graph().name() + ": a pixel range needs an int8 input"
                    + " with one scale and zero point, the input is " + in);
        }
        Quantization q = in.quantization().get();
        return new InputPixels(PixelToInt8.forRange(r[0], r[1], q.scale(), q.zeroPoint()),
                String.format(Locale.ROOT, "pixels 0..255 as [%s, %s], quantized with the model's input scale %s"
                        + " and zero point %d", num(r[0]), num(r[1]), num(q.scale()), q.zeroPoint()));
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
