package dev.tinytrain.dataset;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable in-memory set of labelled images: {@code count} images of {@code rows × cols × channels}
 * unsigned 8-bit values, each stored HWC (index {@code (y * cols + x) * channels + c}), with an {@code int}
 * label per image.
 *
 * <p>This is a final class rather than a record because it owns large arrays that it never exposes: every
 * accessor returns a copy (or copies into a caller's buffer with {@link #imageInto}), so an instance can be
 * shared freely between threads.
 *
 * <p>Created by {@link IdxReader#readDataset}, {@link ArrowDatasets#read}, or {@link #of}.
 */
public final class ImageDataset {
    private final int rows;
    private final int cols;
    private final int channels;
    private final int count;
    private final byte[] pixels;
    private final int[] labels;
    private final Path source;

    private ImageDataset(int rows, int cols, int channels, byte[] pixels, int[] labels, Path source) {
        if (rows < 1 || cols < 1 || channels < 1) {
            throw new IllegalArgumentException("rows, cols and channels must be >= 1: rows=" + rows + " cols="
                    + cols + " channels=" + channels);
        }
        long size = (long) rows * cols * channels;
        if ((long) labels.length * size != pixels.length) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes but " + labels.length
                    + " images of " + rows + "x" + cols + "x" + channels + " need " + labels.length * size);
        }
        this.rows = rows;
        this.cols = cols;
        this.channels = channels;
        this.count = labels.length;
        this.pixels = pixels;
        this.labels = labels;
        this.source = source;
    }

    /**
     * Creates a dataset from copies of the given arrays.
     *
     * @param rows     image height (≥ 1)
     * @param cols     image width (≥ 1)
     * @param channels channels per pixel (≥ 1)
     * @param pixels   {@code labels.length * rows * cols * channels} bytes, image after image, each HWC
     * @param labels   one label per image (not range-checked: see {@link #validateLabels(int)})
     * @return the dataset
     * @throws IllegalArgumentException if the sizes are inconsistent
     */
    public static ImageDataset of(int rows, int cols, int channels, byte[] pixels, int[] labels) {
        return new ImageDataset(rows, cols, channels, pixels.clone(), labels.clone(), null);
    }

    /** Takes ownership of the arrays without copying; callers must not keep or change them. */
    static ImageDataset adopt(int rows, int cols, int channels, byte[] pixels, int[] labels, Path source) {
        return new ImageDataset(rows, cols, channels, pixels, labels, source);
    }

    /** @return the number of images */
    public int count() {
        return count;
    }

    /** @return the image height */
    public int rows() {
        return rows;
    }

    /** @return the image width */
    public int cols() {
        return cols;
    }

    /** @return the number of channels per pixel (1 = grey) */
    public int channels() {
        return channels;
    }

    /** @return the number of bytes of one image, {@code rows * cols * channels} */
    public int imageSize() {
        return rows * cols * channels;
    }

    /** @return where the data was read from (file path), if known; used in error messages */
    public Optional<Path> source() {
        return Optional.ofNullable(source);
    }

    /**
     * @param i image index in {@code [0, count)}
     * @return a copy of image {@code i}: {@link #imageSize()} unsigned bytes, HWC
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     */
    public byte[] image(int i) {
        Objects.checkIndex(i, count);
        int n = imageSize();
        return Arrays.copyOfRange(pixels, i * n, (i + 1) * n);
    }

    /**
     * Copies image {@code i} into {@code dst} at {@code offset} without allocating.
     *
     * @param i      image index in {@code [0, count)}
     * @param dst    destination, with at least {@link #imageSize()} bytes from {@code offset}
     * @param offset where to start writing
     * @throws IndexOutOfBoundsException if {@code i} or the destination range is out of range
     */
    public void imageInto(int i, byte[] dst, int offset) {
        Objects.checkIndex(i, count);
        int n = imageSize();
        Objects.checkFromIndexSize(offset, n, dst.length);
        System.arraycopy(pixels, i * n, dst, offset, n);
    }

    /**
     * @param i image index in {@code [0, count)}
     * @return the label of image {@code i}
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     */
    public int label(int i) {
        return labels[Objects.checkIndex(i, count)];
    }

    /** @return a copy of all labels */
    public int[] labels() {
        return labels.clone();
    }

    /**
     * The first {@code n} images, as the protocol's "first 2,000 training images" (shares no mutable state).
     *
     * @param n number of images to keep, in {@code [0, count]}
     * @return a dataset of images {@code 0..n-1}
     * @throws IndexOutOfBoundsException if {@code n > count} or {@code n < 0}
     */
    public ImageDataset head(int n) {
        Objects.checkFromToIndex(0, n, count);
        if (n == count) {
            return this;
        }
        return new ImageDataset(rows, cols, channels, Arrays.copyOf(pixels, n * imageSize()),
                Arrays.copyOf(labels, n), source);
    }

    /**
     * Checks that every label lies in {@code [0, numClasses)}.
     *
     * @param numClasses number of classes (≥ 1)
     * @return this dataset, for chaining
     * @throws DatasetFormatException naming column {@code label}, the first bad row and its value
     */
    public ImageDataset validateLabels(int numClasses) throws DatasetFormatException {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        for (int i = 0; i < count; i++) {
            int l = labels[i];
            if (l < 0 || l >= numClasses) {
                int bad = 0;
                for (int j = i; j < count; j++) {
                    if (labels[j] < 0 || labels[j] >= numClasses) {
                        bad++;
                    }
                }
                throw new DatasetFormatException(source, "label",
                        "row " + i + " has label " + l + ", outside [0, " + numClasses + ") (" + bad + " of "
                                + count + " labels are out of range)");
            }
        }
        return this;
    }

    /**
     * Two datasets are equal when they have the same shape, pixels and labels (the source is ignored).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ImageDataset other && rows == other.rows && cols == other.cols
                && channels == other.channels && Arrays.equals(labels, other.labels)
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rows, cols, channels, Arrays.hashCode(labels), Arrays.hashCode(pixels));
    }

    @Override
    public String toString() {
        return "ImageDataset[count=" + count + ", rows=" + rows + ", cols=" + cols + ", channels=" + channels
                + (source == null ? "" : ", source=" + source) + "]";
    }
}
