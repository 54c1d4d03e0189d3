package dev.tinytrain.dataset;

import java.util.Objects;

/**
 * The exact input preprocessing of the Fashion-MNIST transfer-learning protocol
 * ({@code shared/bench/fashion-mnist-protocol/README.md}), for images of any size.
 *
 * <ol>
 * <li><b>Resize</b> {@code rows × cols → R × R} (default {@value #DEFAULT_SIZE}) bilinearly with half-pixel
 * centres, as PyTorch's {@code F.interpolate(mode='bilinear', align_corners=False)}: per axis, with
 * {@code scale = (float) in / out}, output index {@code d} samples source coordinate
 * {@code s = max(0, scale * (d + 0.5) - 0.5)} (float32), {@code i0 = floor(s)},
 * {@code i1 = i0 + 1} clamped to {@code in - 1}, {@code w1 = s - i0}, {@code w0 = 1 - w1}. A pixel is
 * {@code wy0 * (wx0 * p[y0][x0] + wx1 * p[y0][x1]) + wy1 * (wx0 * p[y1][x0] + wx1 * p[y1][x1])} evaluated in
 * float32 in that order (PyTorch's CPU kernel order), then rounded half to even ({@link Math#rint}) and
 * clamped to {@code [0, 255]}. Each channel is resized on its own.</li>
 * <li><b>Channels</b>: a grey image (1 channel) is replicated to 3; a 3-channel image is kept.</li>
 * <li><b>Quantise</b>: pixel {@code k → q} by the {@link PixelToInt8} table.</li>
 * <li>Optionally <b>flip</b> horizontally ({@code x → R-1-x}), applied to the resized image. The protocol
 * uses no augmentation.</li>
 * </ol>
 * Output: int8, NHWC without the N: {@code [R][R][3]} as a {@code byte[]}, index {@code (y * R + x) * 3 + c}.
 *
 * <p>With 28 → 128 every weight is a multiple of 1/64, so float32 is exact and the bytes match the
 * protocol's {@code CHECKSUMS.txt} (tested).
 *
 * <p>Immutable and thread-safe.
 */
public final class Preprocessor {
    /** The protocol's network input size R. */
    public static final int DEFAULT_SIZE = 128;
    /** Channels of the network input. */
    public static final int OUT_CHANNELS = 3;

    private final int size;
    private final PixelToInt8 table;

    /**
     * @param size  output height and width R (≥ 1)
     * @param table pixel → int8 table
     */
    public Preprocessor(int size, PixelToInt8 table) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, got " + size);
        }
        this.size = size;
        this.table = Objects.requireNonNull(table, "table");
    }

    /** @return the protocol's preprocessor: R = 128 with the bundled {@link PixelToInt8} table */
    public static Preprocessor protocol() {
        return new Preprocessor(DEFAULT_SIZE, PixelToInt8.bundled());
    }

    /** @return the output size R */
    public int size() {
        return size;
    }

    /** @return the pixel → int8 table */
    public PixelToInt8 table() {
        return table;
    }

    /** @return bytes of one preprocessed image, {@code R * R * 3} */
    public int outputSize() {
        return size * size * OUT_CHANNELS;
    }

    /**
     * Preprocesses image {@code i} of a dataset.
     *
     * @param dataset        the images (1 or 3 channels)
     * @param i              image index
     * @param flipHorizontal whether to mirror the result left-right
     * @return int8 {@code [R][R][3]}
     */
    public byte[] preprocess(ImageDataset dataset, int i, boolean flipHorizontal) {
        return preprocess(dataset.image(i), dataset.rows(), dataset.cols(), dataset.channels(), flipHorizontal);
    }

    /**
     * Preprocesses one image.
     *
     * @param image          {@code rows * cols * channels} unsigned bytes, HWC
     * @param rows           input height (≥ 1)
     * @param cols           input width (≥ 1)
     * @param channels       1 (grey, replicated to 3) or 3
     * @param flipHorizontal whether to mirror the result left-right
     * @return int8 {@code [R][R][3]}, index {@code (y * R + x) * 3 + c}
     * @throws IllegalArgumentException if the sizes are inconsistent or {@code channels} is not 1 or 3
     */
    public byte[] preprocess(byte[] image, int rows, int cols, int channels, boolean flipHorizontal) {
        byte[] out = new byte[outputSize()];
        preprocessInto(image, rows, cols, channels, flipHorizontal, out, 0);
        return out;
    }

    /**
     * Like {@link #preprocess(byte[], int, int, int, boolean)}, writing into {@code dst} at {@code offset}.
     *
     * @param image          {@code rows * cols * channels} unsigned bytes, HWC
     * @param rows           input height
     * @param cols           input width
     * @param channels       1 or 3
     * @param flipHorizontal whether to mirror the result left-right
     * @param dst            destination with {@link #outputSize()} bytes from {@code offset}
     * @param offset         where to write
     */
    public void preprocessInto(byte[] image, int rows, int cols, int channels, boolean flipHorizontal,
            byte[] dst, int offset) {
        if (channels != 1 && channels != OUT_CHANNELS) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3, got " + channels);
        }
        Objects.checkFromIndexSize(offset, outputSize(), dst.length);
        byte[] u8 = resize(image, rows, cols, channels, size, size);
        int r = size;
        for (int y = 0; y < r; y++) {
            int row = y * r;
            for (int x = 0; x < r; x++) {
                int src = (row + (flipHorizontal ? r - 1 - x : x)) * channels;
                int o = offset + (row + x) * OUT_CHANNELS;
                if (channels == 1) {
                    byte q = table.q(u8[src] & 0xFF);
                    dst[o] = q;
                    dst[o + 1] = q;
                    dst[o + 2] = q;
                } else {
                    dst[o] = table.q(u8[src] & 0xFF);
                    dst[o + 1] = table.q(u8[src + 1] & 0xFF);
                    dst[o + 2] = table.q(u8[src + 2] & 0xFF);
                }
            }
        }
    }

    /**
     * Resizes to R × R with the protocol's bilinear rule, without changing channels or quantising: the
     * unsigned bytes whose sha256 the protocol's {@code CHECKSUMS.txt} lists as {@code u8}.
     *
     * @param image    {@code rows * cols * channels} unsigned bytes, HWC
     * @param rows     input height
     * @param cols     input width
     * @param channels channels (any ≥ 1)
     * @return {@code R * R * channels} unsigned bytes, HWC
     */
    public byte[] resize(byte[] image, int rows, int cols, int channels) {
        return resize(image, rows, cols, channels, size, size);
    }

    /**
     * Bilinear resize with half-pixel centres (see the class comment), any sizes in and out.
     *
     * @param image    {@code rows * cols * channels} unsigned bytes, HWC
     * @param rows     input height (≥ 1)
     * @param cols     input width (≥ 1)
     * @param channels channels (≥ 1)
     * @param outRows  output height (≥ 1)
     * @param outCols  output width (≥ 1)
     * @return {@code outRows * outCols * channels} unsigned bytes, HWC
     * @throws IllegalArgumentException if a size is not positive or {@code image} has the wrong length
     */
    public static byte[] resize(byte[] image, int rows, int cols, int channels, int outRows, int outCols) {
        if (rows < 1 || cols < 1 || channels < 1 || outRows < 1 || outCols < 1) {
            throw new IllegalArgumentException("sizes must be >= 1: " + rows + "x" + cols + "x" + channels + " -> "
                    + outRows + "x" + outCols);
        }
        if ((long) rows * cols * channels != image.length) {
            throw new IllegalArgumentException("image has " + image.length + " bytes, expected rows*cols*channels = "
                    + rows + "*" + cols + "*" + channels + " = " + ((long) rows * cols * channels));
        }
        Axis ay = Axis.of(rows, outRows);
        Axis ax = Axis.of(cols, outCols);
        // Separable evaluation, bit-identical to the nested formula: the horizontal term
        // h(sy, x, c) = wx0 * p[sy][x0] + wx1 * p[sy][x1] depends only on the source row, so it is computed once
        // per source row used (float32, same operations), then v = wy0 * h(y0) + wy1 * h(y1).
        int hStride = outCols * channels;
        float[] h = new float[rows * hStride];
        boolean[] done = new boolean[rows];
        int rowStride = cols * channels;
        for (int y = 0; y < outRows; y++) {
            for (int sy : new int[] {ay.i0[y], ay.i1[y]}) {
                if (done[sy]) {
                    continue;
                }
                done[sy] = true;
                int base = sy * rowStride;
                int hb = sy * hStride;
                for (int x = 0; x < outCols; x++) {
                    int c0 = base + ax.i0[x] * channels;
                    int c1 = base + ax.i1[x] * channels;
                    float wx0 = ax.w0[x];
                    float wx1 = ax.w1[x];
                    for (int c = 0; c < channels; c++) {
                        h[hb + x * channels + c] = wx0 * (image[c0 + c] & 0xFF) + wx1 * (image[c1 + c] & 0xFF);
                    }
                }
            }
        }
        byte[] out = new byte[outRows * hStride];
        for (int y = 0; y < outRows; y++) {
            int h0 = ay.i0[y] * hStride;
            int h1 = ay.i1[y] * hStride;
            float wy0 = ay.w0[y];
            float wy1 = ay.w1[y];
            int o = y * hStride;
            for (int j = 0; j < hStride; j++) {
                out[o + j] = (byte) roundClamp(wy0 * h[h0 + j] + wy1 * h[h1 + j]);
            }
        }
        return out;
    }

    /** Round half to even ({@link Math#rint}), then clamp to [0, 255]; NaN maps to 0. */
    static int roundClamp(float v) {
        double r = Math.rint(v);
        if (!(r > 0)) {
            return 0;
        }
        return r >= 255 ? 255 : (int) r;
    }

    /** Source indices and weights along one axis (PyTorch {@code compute_indices_weights_linear}). */
    private record Axis(int[] i0, int[] i1, float[] w0, float[] w1) {
        static Axis of(int in, int out) {
            float scale = (float) in / out;
            int[] i0 = new int[out];
            int[] i1 = new int[out];
            float[] w0 = new float[out];
            float[] w1 = new float[out];
            for (int d = 0; d < out; d++) {
                float s = scale * (d + 0.5f) - 0.5f;
                if (s < 0) {
                    s = 0;
                }
                int lo = Math.min((int) s, in - 1);
                float l1 = Math.min(Math.max(s - lo, 0f), 1f);
                i0[d] = lo;
                i1[d] = lo < in - 1 ? lo + 1 : lo;
                w0[d] = 1f - l1;
                w1[d] = l1;
            }
            return new Axis(i0, i1, w0, w1);
        }
    }
}
