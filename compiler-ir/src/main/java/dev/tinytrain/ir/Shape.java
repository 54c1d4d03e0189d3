package dev.tinytrain.ir;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Ints;
import java.util.List;
import java.util.stream.Collectors;

/** A tensor shape, outermost dimension first. Rank 0 denotes a scalar. */
public record Shape(List<Integer> dims) {

    /** Validates that every dimension is positive and copies the list. */
    public Shape {
        dims = ImmutableList.copyOf(dims);
        for (int i = 0; i < dims.size(); i++) {
            if (dims.get(i) <= 0) {
                throw new IllegalArgumentException("dimension " + i + " of shape " + dims + " must be positive");
            }
        }
    }

    /** Shape from dimensions. */
    public static Shape of(int... dims) {
        return new Shape(Ints.asList(dims));
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.size();
    }

    /** Dimension {@code i}; negative indices count from the end. */
    public int dim(int i) {
        return dims.get(i < 0 ? dims.size() + i : i);
    }

    /** Product of all dimensions (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** Dimensions as an array. */
    public int[] toArray() {
        return Ints.toArray(dims);
    }

    @Override
    public String toString() {
        return dims.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
    }
}
