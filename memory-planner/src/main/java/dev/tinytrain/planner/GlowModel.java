package dev.tinytrain.planner;

import java.util.List;
import java.util.Objects;

/**
 * One model of the Glow allocator corpus: its allocation trace as lifetimes, and Glow's own result.
 *
 * @param name model name, e.g. {@code resnet50_v1.onnx}
 * @param alignment alignment in bytes used by Glow for this model
 * @param buffers one lifetime per {@code ALLOC}, in allocation order; named by the trace's buffer id
 * @param glowMemBytes the memory Glow's allocator reached ({@code MEM})
 * @param glowEfficiency Glow's efficiency ({@code EFF}: live-size lower bound / {@code MEM}); NaN if absent
 */
public record GlowModel(String name, int alignment, List<BufferLifetime> buffers, long glowMemBytes,
        double glowEfficiency) {

    /** Validates the fields and copies the buffer list. */
    public GlowModel {
        Objects.requireNonNull(name, "name");
        Alignment.require(alignment);
        buffers = List.copyOf(buffers);
        if (glowMemBytes < 0) {
            throw new IllegalArgumentException("model " + name + ": MEM must be >= 0");
        }
    }
}
