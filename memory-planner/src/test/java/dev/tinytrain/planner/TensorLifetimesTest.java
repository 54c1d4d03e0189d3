package dev.tinytrain.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.Value;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Buffers, sharing and offsets inside buffers, on small graphs whose sizes are worked out by hand. */
class TensorLifetimesTest {

    private static final Quantization Q = Quantization.perTensor(0.02, -128);

    /** input 8x8x1 -> 1x1 conv to {@code c} channels -> depthwise 3x3 (stride s) -> 1x1 conv to {@code projected}. */
    private static Graph expandDepthwiseProject(int c, int stride, int projected) {
        GraphBuilder b = new GraphBuilder("edp");
        Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 8, 8, 1), Layout.NHWC, Q));
        Value c1 = TinyGraphs.conv(b, "expand", x, c, 1, 1, 1, Q);
        Value dw = TinyGraphs.conv(b, "dw", c1, c, 3, stride, c, Q);
        Value pw = TinyGraphs.conv(b, "project", dw, projected, 1, 1, 1, Q);
        return b.output(pw).build();
    }

    private static Map<String, Long> sizes(TensorLifetimes lt) {
        return lt.buffers().stream().collect(Collectors.toMap(BufferLifetime::name, BufferLifetime::sizeBytes));
    }

    @Test
    void depthwiseOutputSharesItsDyingInputLeadBytesBeforeIt() {
        TensorLifetimes lt = TensorLifetimes.of(expandDepthwiseProject(4, 1, 1), true);
        // lead (p*W + p)*C = (8 + 1) * 4 = 36 bytes; one buffer of 36 + 256 instead of 256 + 256
        assertEquals("expand", lt.bufferOf().get("dw"));
        assertEquals(36L, lt.offsetInBuffer().get("expand"));
        assertEquals(0L, lt.offsetInBuffer().get("dw"));
        assertEquals(Map.of("input", 64L, "expand", 292L, "project", 64L), sizes(lt));
        // LOAD: input + expand (64 + 292) at step 1, and the shared buffer + project at step 3
        assertEquals(356, LowerBound.of(lt.buffers(), 4));

        MemoryPlan plan = MemoryPlan.of(expandDepthwiseProject(4, 1, 1));
        Map<String, Long> off = plan.layout().offsets();
        assertEquals(36, off.get("expand") - off.get("dw"));
    }

    @Test
    void stridedDepthwiseKeepsItsOwnBufferWhenSharingWouldRaiseThePeak() {
        // a 4x4x4 output held in the 8x8x4 input's 256 bytes while the 4x4x32 projection is written: 768 > 576
        TensorLifetimes lt = TensorLifetimes.of(expandDepthwiseProject(4, 2, 32), true);
        assertEquals("dw", lt.bufferOf().get("dw"));
        assertEquals(Map.of("input", 64L, "expand", 256L, "dw", 64L, "project", 512L), sizes(lt));
        assertEquals(576, LowerBound.of(lt.buffers(), 4));
    }

    @Test
    void stridedDepthwiseSharesWithNoLeadWhenThatLowersThePeak() {
        // apart: 512 + 128 at the depthwise step is the peak (input + expand is 576); shared: 512, LOAD 576
        TensorLifetimes lt = TensorLifetimes.of(expandDepthwiseProject(8, 2, 1), true);
        assertEquals("expand", lt.bufferOf().get("dw"));
        assertEquals(0L, lt.offsetInBuffer().get("expand"));
        assertEquals(Map.of("input", 64L, "expand", 512L, "project", 16L), sizes(lt));
        assertEquals(576, LowerBound.of(lt.buffers(), 4));
    }

    @Test
    void stridedDepthwiseKeepsItsOwnBufferWhenSharingOnlyLengthensABigBuffer() {
        // LOAD is 320 either way (input + expand); sharing would hold 256 bytes where 64 suffice at step 3
        TensorLifetimes lt = TensorLifetimes.of(expandDepthwiseProject(4, 2, 1), true);
        assertEquals("dw", lt.bufferOf().get("dw"));
    }

    @Test
    void withoutInPlaceEveryValueHasItsOwnBuffer() {
        TensorLifetimes lt = TensorLifetimes.of(expandDepthwiseProject(4, 1, 1), false);
        assertEquals(4, lt.buffers().size());
        lt.offsetInBuffer().values().forEach(o -> assertEquals(0L, o));
    }

    @Test
    void depthwiseInputStillNeededLaterIsNotOverwritten() {
        // TinyGraphs.block: the residual add reads c1 after the depthwise conv
        TensorLifetimes lt = TensorLifetimes.of(TinyGraphs.block(), true);
        assertEquals("dw", lt.bufferOf().get("dw"));
    }
}
