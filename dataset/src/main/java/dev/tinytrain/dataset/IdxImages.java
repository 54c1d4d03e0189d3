package dev.tinytrain.dataset;

import java.util.Arrays;

/**
 * The content of an IDX image file: {@code count} greyscale images of {@code rows × cols} unsigned 8-bit
 * pixels, row-major, one image after the other.
 *
 * <p>Immutable: the pixel array is copied on construction and by {@link #pixels()}; use {@link #image(int)}
 * or {@link #toDataset(IdxLabels)} rather than calling {@link #pixels()} repeatedly.
 *
 * @param count  number of images (≥ 0)
 * @param rows   image height (≥ 1)
 * @param cols   image width (≥ 1)
 * @param pixels {@code count * rows * cols} bytes; pixel value = {@code pixels[i] & 0xFF}
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {

    /**
     * Validates the sizes and copies the pixels.
     *
     * @throws IllegalArgumentException if a size is out of range or {@code pixels} has the wrong length
     * @param count see the record component
     * @param rows see the record component
     * @param cols see the record component
     * @param pixels see the record component
     */
    public IdxImages {
        if (count < 0 || rows < 1 || cols < 1) {
            throw new IllegalArgumentException("bad IDX image dims count=" + count + " rows=" + rows + " cols=" + cols);
        }
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes, expected count*rows*cols = "
                    + ((long) count * rows * cols));
        }
        pixels = pixels.clone();
    }

    /** @return a copy of all pixels, image after image */
    @Override
    public byte[] pixels() {
        return pixels.clone();
    }

    /** @return the number of pixels of one image, {@code rows * cols} */
    public int imageSize() {
        return rows * cols;
    }

    /**
     * @param i image index in {@code [0, count)}
     * @return a copy of image {@code i}, {@code rows * cols} unsigned bytes, row-major
     */
    public byte[] image(int i) {
        java.util.Objects.checkIndex(i, count);
        int n = imageSize();
        return Arrays.copyOfRange(pixels, i * n, (i + 1) * n);
    }

    /**
     * Pairs these images with their labels.
     *
     * @param labels labels, one per image
     * @return a single-channel {@link ImageDataset}
     * @throws IllegalArgumentException if the counts differ
     */
    public ImageDataset toDataset(IdxLabels labels) {
        if (labels.count() != count) {
            throw new IllegalArgumentException(count + " images but " + labels.count() + " labels");
        }
        return ImageDataset.adopt(rows, cols, 1, pixels, labels.labels(), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxImages other && count == other.count && rows == other.rows && cols == other.cols
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * count + rows) + cols) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "IdxImages[count=" + count + ", rows=" + rows + ", cols=" + cols + "]";
    }
}
