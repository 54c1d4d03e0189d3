package dev.tinytrain.compiler;

import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.band.BandProgram;
import dev.tinytrain.ir.ops.BandRegion;
import java.util.ArrayList;
import java.util.List;

/**
 * A band region of the compiled step as the memory report shows it: which layers run in row bands, the line buffers
 * that replace their intermediate tensors, and what streaming costs (kernel calls, bytes shifted, recomputed MACs).
 *
 * @param node the region's node name
 * @param step its schedule step
 * @param layers the layers it runs, in order
 * @param bandRows output rows of its last layer per band
 * @param lineBuffers one per intermediate tensor
 * @param fused the depthwise layers with their expansion fused in (their expanded tensors have no line buffer)
 * @param workspaceBytes all line buffers and fused layers' scratch (the region's workspace buffer in the arena)
 * @param wholeBytes the intermediate tensors' sizes had they been whole (fused expanded tensors included)
 * @param kernelCalls kernel calls of the band program (the layers' count when run on whole tensors)
 * @param shiftedBytes bytes the line buffers' shifts move
 * @param recomputedMacs multiply-accumulates computed more than once: the fused expansions' recomputed rows (0
 *     without fused layers: line buffers alone recompute nothing)
 */
public record BandRegionEntry(String node, int step, List<String> layers, int bandRows, List<LineBuffer> lineBuffers,
                              List<FusedLayer> fused, long workspaceBytes, long wholeBytes, int kernelCalls,
                              long shiftedBytes, long recomputedMacs) {

    /**
     * A depthwise layer with its 1x1 expansion fused in.
     *
     * @param expansion the expansion's name
     * @param depthwise the depthwise layer's name
     * @param group expanded channels per pass
     * @param expandedBytes the expanded tensor's bytes had it been whole
     * @param scratchBytes its scratch in the workspace (the group's expanded rows and depthwise output rows)
     * @param offset the scratch's offset in the workspace
     * @param recomputedMacs the expansion MACs its steps compute more than once
     */
    public record FusedLayer(String expansion, String depthwise, int group, long expandedBytes, long scratchBytes,
                             long offset, long recomputedMacs) {
    }

    /**
     * One line buffer.
     *
     * @param tensor the tensor it holds rows of (its layer's name)
     * @param rows rows it holds
     * @param tensorRows rows of the whole tensor
     * @param rowBytes bytes of one row
     * @param offset its offset in the workspace
     * @param over the tensor whose line buffer this one's row is written over (a depthwise layer in place), or empty
     */
    public record LineBuffer(String tensor, int rows, int tensorRows, int rowBytes, long offset, String over) {
        /** Its bytes. */
        public long bytes() {
            return (long) rows * rowBytes;
        }
    }

    /** Copies the lists. */
    public BandRegionEntry {
        layers = List.copyOf(layers);
        lineBuffers = List.copyOf(lineBuffers);
        fused = List.copyOf(fused);
    }

    /** The entry of band region node {@code n} run at schedule step {@code step}. */
    static BandRegionEntry of(Node n, int step) {
        BandRegion region = (BandRegion) n.op();
        BandProgram p = region.program(n.name(), n.inputs());
        List<Value> tensors = region.tensorValues(n.name(), n.inputs());
        List<LineBuffer> buffers = new ArrayList<>();
        long whole = 0;
        List<Integer> inPlace = p.inPlaceLayers();
        for (int t = 1; t < tensors.size() - 1; t++) {
            String over = inPlace.contains(t - 1) ? tensors.get(p.layers().get(t - 1).inputs().get(0)).name() : "";
            buffers.add(new LineBuffer(tensors.get(t).name(), p.capacityRows()[t], p.height(t), p.rowBytes(t),
                    p.bufferOffsets()[t], over));
            whole += tensors.get(t).type().byteSize();
        }
        List<FusedLayer> fused = new ArrayList<>();
        long[] recomputed = region.recomputedMacsByLayer(n.name(), n.inputs());
        for (int i = 0; i < region.layers().size(); i++) {
            BandRegion.Layer l = region.layers().get(i);
            if (l.expansion().isPresent()) {
                long expanded = region.expandedTensor(i, tensors, n.inputs()).type().byteSize();
                whole += expanded;
                long end = p.scratchOutOffsets()[i] + (long) p.bandRows() * p.layers().get(i).scratchOutRowBytes();
                fused.add(new FusedLayer(l.expansion().get().name(), l.name(), l.expansion().get().group(), expanded,
                        end - p.scratchOffsets()[i], p.scratchOffsets()[i], recomputed[i]));
            }
        }
        return new BandRegionEntry(n.name(), step, region.layers().stream().map(BandRegion.Layer::name).toList(),
                p.bandRows(), buffers, fused, p.workspaceBytes(), whole, p.computeSteps(), p.shiftedBytes(),
                java.util.Arrays.stream(recomputed).sum());
    }
}
