package dev.tinytrain.dataset;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Constants and loaders of the Fashion-MNIST transfer-learning protocol
 * ({@code shared/bench/fashion-mnist-protocol/README.md}).
 *
 * <p>Quick run: the first {@value #QUICK_TRAIN} training images, 1 epoch, tested on the first
 * {@value #QUICK_TEST} test images. Full run: the first {@value #FULL_TRAIN} training images,
 * {@value #FULL_EPOCHS} epochs, tested on all {@value #FULL_TEST} test images. Inputs are made by
 * {@link Preprocessor#protocol()}; orders come from {@link TrainingOrder#readProtocol}; the head from
 * {@link HeadInit#read}.
 */
public final class FashionMnistProtocol {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the IDX files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Training images file name. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    /** Training labels file name. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    /** Test images file name. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    /** Test labels file name. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    /** Number of classes. */
    public static final int NUM_CLASSES = 10;
    /** Training images of a quick run. */
    public static final int QUICK_TRAIN = 2000;
    /** Test images of a quick run. */
    public static final int QUICK_TEST = 1000;
    /** Training images of a full run. */
    public static final int FULL_TRAIN = 10000;
    /** Test images of a full run. */
    public static final int FULL_TEST = 10000;
    /** Epochs of a full run (a quick run has 1). */
    public static final int FULL_EPOCHS = 3;

    private FashionMnistProtocol() {
    }

    /**
     * Reads the 60,000 training images and labels from an IDX folder, checking labels are in [0, 10).
     *
     * @param dir folder holding {@value #TRAIN_IMAGES} and {@value #TRAIN_LABELS}, e.g. {@link #DEBIAN_DIR}
     * @return the training set
     * @throws IOException if a file is missing or malformed
     */
    public static ImageDataset train(Path dir) throws IOException {
        return IdxReader.readDataset(dir.resolve(TRAIN_IMAGES), dir.resolve(TRAIN_LABELS)).validateLabels(NUM_CLASSES);
    }

    /**
     * Reads the 10,000 test images and labels from an IDX folder, checking labels are in [0, 10).
     *
     * @param dir folder holding {@value #TEST_IMAGES} and {@value #TEST_LABELS}, e.g. {@link #DEBIAN_DIR}
     * @return the test set
     * @throws IOException if a file is missing or malformed
     */
    public static ImageDataset test(Path dir) throws IOException {
        return IdxReader.readDataset(dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS)).validateLabels(NUM_CLASSES);
    }
}
