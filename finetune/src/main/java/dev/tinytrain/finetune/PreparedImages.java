package dev.tinytrain.finetune;

import dev.tinytrain.dataset.DatasetFormatException;
import dev.tinytrain.dataset.ImageDataset;
import dev.tinytrain.dataset.Preprocessor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A dataset preprocessed once into the network's input: one int8 NHWC {@code [R][R][3]} tensor per image (the
 * protocol's preprocessing, {@link Preprocessor}) and its label, checked against the head's classes.
 *
 * <p>Cached whole in memory: 10,000 images at 128×128 are 490 MB (the JVM's default heap, a quarter of the
 * machine, is enough on the project's machines; pass {@code -Xmx} otherwise).
 */
public final class PreparedImages {
    private final byte[][] images;
    private final int[] labels;
    private final int size;

    private PreparedImages(byte[][] images, int[] labels, int size) {
        this.images = images;
        this.labels = labels;
        this.size = size;
    }

    /**
     * Checks and preprocesses the first {@code limit} images of a dataset.
     *
     * @param dataset the images (1 or 3 channels, any size; resized to R × R)
     * @param what "training data" or "test data", for messages
     * @param limit how many images to keep from the start, or -1 for all
     * @param classes the head's classes: every kept label must lie in {@code [0, classes)}
     * @param pre the preprocessing (R, pixel table)
     * @param threads worker threads
     * @throws DatasetFormatException naming the file and the column at fault: a channel count other than 1 or 3,
     *     an empty image, a label outside the head's classes, fewer images than {@code limit}
     */
    public static PreparedImages prepare(ImageDataset dataset, String what, int limit, int classes, Preprocessor pre,
                                         int threads) throws DatasetFormatException {
        return prepare(dataset, dataset.source().orElse(null), what, limit, classes, pre, threads);
    }

    /**
     * Checks and preprocesses every image of a dataset on all processors.
     *
     * @param dataset the images (1 or 3 channels, any size; resized to R × R)
     * @param classes the head's classes: every label must lie in {@code [0, classes)}
     * @param pre the preprocessing (R, pixel table)
     * @throws DatasetFormatException naming the file and the column at fault
     */
    public static PreparedImages prepare(ImageDataset dataset, int classes, Preprocessor pre)
            throws DatasetFormatException {
        return prepare(dataset, "images", -1, classes, pre, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #prepare(ImageDataset, String, int, int, Preprocessor, int)}, naming {@code file} in errors. */
    public static PreparedImages prepare(ImageDataset dataset, Path file, String what, int limit, int classes,
                                         Preprocessor pre, int threads) throws DatasetFormatException {
        if (dataset.channels() != 1 && dataset.channels() != Preprocessor.OUT_CHANNELS) {
            throw new DatasetFormatException(file, "image", String.format(Locale.ROOT,
                    "%s has %d channels per pixel (schema metadata 'channels'); the network takes 1 (grey, replicated)"
                            + " or 3", what, dataset.channels()));
        }
        if (dataset.rows() < 1 || dataset.cols() < 1) {
            throw new DatasetFormatException(file, "image", what + " has images of " + dataset.rows() + "x"
                    + dataset.cols() + " pixels");
        }
        int n = dataset.count();
        if (limit >= 0) {
            if (limit > n) {
                throw new DatasetFormatException(file, "rows", String.format(Locale.ROOT,
                        "%s has %,d images, fewer than the %,d asked for", what, n, limit));
            }
            n = limit;
        }
        if (n == 0) {
            throw new DatasetFormatException(file, "rows", what + " has no images");
        }
        ImageDataset ds = dataset.head(n);
        int[] labels = ds.labels();
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                long bad = java.util.Arrays.stream(labels).filter(l -> l < 0 || l >= classes).count();
                throw new DatasetFormatException(file, "label", String.format(Locale.ROOT,
                        "%s row %d has label %d, outside the head's %d classes [0, %d) (%d of the %,d labels used are"
                                + " out of range)", what, i, labels[i], classes, classes, bad, n));
            }
        }
        byte[][] out = new byte[n][];
        int workers = Math.max(1, Math.min(threads, n));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "tinytrain-preprocess");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> parts = new ArrayList<>();
            int chunk = (n + workers - 1) / workers;
            for (int w = 0; w < workers; w++) {
                int from = w * chunk;
                int to = Math.min(n, from + chunk);
                parts.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        out[i] = pre.preprocess(ds, i, false);
                    }
                }));
            }
            for (Future<?> f : parts) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preprocessing " + what, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IllegalArgumentException iae) {
                throw new DatasetFormatException(file, "image", what + ": " + iae.getMessage(), iae);
            }
            throw new IllegalStateException("preprocessing " + what + " failed: " + c, c);
        } finally {
            pool.shutdownNow();
        }
        return new PreparedImages(out, labels, pre.outputSize());
    }

    /** Wraps already preprocessed tensors (tests); arrays are used as they are. */
    public static PreparedImages of(byte[][] images, int[] labels) {
        if (images.length != labels.length || images.length == 0) {
            throw new IllegalArgumentException(images.length + " images and " + labels.length + " labels");
        }
        int size = images[0].length;
        for (byte[] im : images) {
            if (im.length != size) {
                throw new IllegalArgumentException("images of different sizes: " + size + " and " + im.length);
            }
        }
        return new PreparedImages(images, labels, size);
    }

    /** Number of images. */
    public int count() {
        return images.length;
    }

    /** Bytes of one input tensor. */
    public int imageBytes() {
        return size;
    }

    /** Image {@code i} (the cached array itself: do not modify). */
    public byte[] image(int i) {
        return images[i];
    }

    /** Label of image {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** The same images with the labels permuted by a seeded shuffle (a deliberately broken dataset, for tests). */
    public PreparedImages withShuffledLabels(long seed) {
        int[] l = labels.clone();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        for (int i = l.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = l[i];
            l[i] = l[j];
            l[j] = t;
        }
        return new PreparedImages(images, l, size);
    }

    /**
     * Mirrors an int8 NHWC {@code [R][R][3]} image left-right ({@code x → R-1-x}); the same bytes as
     * preprocessing with {@code flipHorizontal}, since the pixel table acts on each pixel alone.
     */
    public static byte[] flipHorizontal(byte[] image, int r) {
        byte[] out = new byte[image.length];
        int c = image.length / (r * r);
        for (int y = 0; y < r; y++) {
            for (int x = 0; x < r; x++) {
                System.arraycopy(image, ((y * r) + x) * c, out, ((y * r) + (r - 1 - x)) * c, c);
            }
        }
        return out;
    }
}
