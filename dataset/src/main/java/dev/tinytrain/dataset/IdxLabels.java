package dev.tinytrain.dataset;

import java.util.Arrays;

/**
 * The content of an IDX label file: one unsigned 8-bit label per item, widened to {@code int}.
 *
 * <p>Immutable: the array is copied on construction and by {@link #labels()}.
 *
 * @param labels the labels, each in {@code [0, 255]}
 */
public record IdxLabels(int[] labels) {

    /**
     * Copies the labels.
     *
     * @param labels see the record component
     */
    public IdxLabels {
        labels = labels.clone();
    }

    /** @return a copy of the labels */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** @return the number of labels */
    public int count() {
        return labels.length;
    }

    /**
     * @param i index in {@code [0, count)}
     * @return label {@code i}
     */
    public int label(int i) {
        return labels[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxLabels other && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "IdxLabels[count=" + labels.length + "]";
    }
}
