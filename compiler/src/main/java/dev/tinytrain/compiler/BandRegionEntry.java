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
 * @param workspaceBytes all line buffers (the region's workspace buffer in the arena)
 * @param wholeBytes the intermediate tensors' sizes had they been whole
 * @param kernelCalls kernel calls of the band program (the layers' count when run on whole tensors)
 * @param shiftedBytes bytes the line buffers' shifts move
 * @param recomputedMacs multiply-accumulates computed more than once (0: line buffers, no recomputation)
 */
public record BandRegionEntry(String node, int step, List<String> layers, int bandRows, List<LineBuffer> lineBuffers,
                              long workspaceBytes, long wholeBytes, int kernelCalls, long shiftedBytes,
                              long recomputedMacs) {

    /**
     * One line buffer.
     *
     * @param tensor the tensor it holds rows of (its layer's name)
     * @param rows rows it holds
     * @param tensorRows rows of the whole tensor
     * @param rowBytes bytes of one row
     * @param offset its offset in the workspace
     */
    public record LineBuffer(String tensor, int rows, int tensorRows, int rowBytes, long offset) {
        /** Its bytes. */
        public long bytes() {
            return (long) rows * rowBytes;
        }
    }

    /** Copies the lists. */
    public BandRegionEntry {
        layers = List.copyOf(layers);
        lineBuffers = List.copyOf(lineBuffers);
    }

    /** The entry of band region node {@code n} run at schedule step {@code step}. */
    static BandRegionEntry of(Node n, int step) {
        BandRegion region = (BandRegion) n.op();
        BandProgram p = region.program(n.name(), n.inputs());
        List<Value> tensors = region.tensorValues(n.name(), n.inputs());
        List<LineBuffer> buffers = new ArrayList<>();
        long whole = 0;
        for (int t = 1; t < tensors.size() - 1; t++) {
            buffers.add(new LineBuffer(tensors.get(t).name(), p.capacityRows()[t], p.height(t), p.rowBytes(t),
                    p.bufferOffsets()[t]));
            whole += tensors.get(t).type().byteSize();
        }
        long[] rowsComputed = new long[region.layers().size()];
        for (BandProgram.Step s : p.steps()) {
            if (s instanceof BandProgram.Compute c) {
                rowsComputed[c.layer()] += c.y1() - c.y0();
            }
        }
        long recomputed = 0;
        for (int i = 0; i < rowsComputed.length; i++) {
            long extraRows = Math.max(0, rowsComputed[i] - p.height(i + 1));
            recomputed += extraRows * (region.layerMacs(i, tensors, n.inputs()) / p.height(i + 1));
        }
        return new BandRegionEntry(n.name(), step, region.layers().stream().map(BandRegion.Layer::name).toList(),
                p.bandRows(), buffers, p.workspaceBytes(), whole, p.computeSteps(), p.shiftedBytes(), recomputed);
    }
}
