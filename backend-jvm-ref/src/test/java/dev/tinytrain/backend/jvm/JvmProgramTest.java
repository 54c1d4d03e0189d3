package dev.tinytrain.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.backend.jvm.kernels.Requant;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.GlobalAvgPool;
import dev.tinytrain.planner.ArenaLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The generated class makes exactly the kernel calls the graph describes, at the layout's offsets. */
class JvmProgramTest {

    @Test
    void generatedProgramEqualsDirectKernelCalls() {
        Graph g = TinyGraphs.block();
        ArenaLayout layout = ArenaLayout.sequential(g, 16);
        JvmProgram p = JvmProgram.compile(g, layout);
        byte[] input = new byte[6 * 6 * 3];
        new Random(7).nextBytes(input);
        JvmRun run = p.newRun();
        run.setInt8(g.inputs().get(0), input);
        run.run();

        // the same computation by hand, node by node
        byte[] arena = new byte[(int) layout.arenaBytes()];
        System.arraycopy(input, 0, arena, layout.offsetOf(g.inputs().get(0)), input.length);
        ParameterArrays params = new ParameterArrays(g);
        for (Node n : g.nodes()) {
            if (n.op() instanceof Conv2d c) {
                Value x = n.inputs().get(0);
                Value w = n.inputs().get(1);
                Shape xs = x.type().shape();
                Shape ys = n.output().type().shape();
                float[] eff = Requant.effectiveScales(x.type().quantization().get().scale(),
                        w.type().quantization().get().scalesAsFloats(), c.output().scale());
                ForwardKernels.conv2d(arena, layout.offsetOf(x), xs.dim(1), xs.dim(2), xs.dim(3),
                        x.type().quantization().get().zeroPoint(), (byte[]) params.get(w.name()),
                        w.type().shape().dim(1), w.type().shape().dim(2), c.stride(), c.padTop(), c.padLeft(),
                        c.groups(), (float[]) params.get(n.inputs().get(2).name()), eff, c.output().zeroPoint(),
                        layout.offsetOf(n.output()), ys.dim(1), ys.dim(2), ys.dim(3), -1);
            } else if (n.op() instanceof GlobalAvgPool) {
                Shape s = n.inputs().get(0).type().shape();
                ForwardKernels.globalAvgPool(arena, layout.offsetOf(n.inputs().get(0)), s.dim(1), s.dim(2), s.dim(3),
                        layout.offsetOf(n.output()));
            } else {
                Quantization a = n.inputs().get(0).type().quantization().get();
                Quantization b = n.inputs().get(1).type().quantization().get();
                Quantization y = n.output().type().quantization().get();
                ForwardKernels.quantizedAdd(arena, layout.offsetOf(n.inputs().get(0)), a.zeroPoint(),
                        (float) a.scale(), layout.offsetOf(n.inputs().get(1)), b.zeroPoint(), (float) b.scale(),
                        (int) n.output().type().elementCount(), y.zeroPoint(), (float) y.scale(),
                        layout.offsetOf(n.output()), -1);
            }
        }
        for (Node n : g.nodes()) {
            int off = layout.offsetOf(n.output());
            byte[] expected = java.util.Arrays.copyOfRange(arena, off, off + (int) n.output().type().byteSize());
            assertArrayEquals(expected, run.int8(n.output()), n.name());
        }
    }

    @Test
    void longSchedulesAreSplitAcrossMethods() {
        // 450 pools of a 1x1 map are each the identity: the program must survive the method-size split
        GraphBuilder b = new GraphBuilder("chain");
        Value x = b.input("x", TensorType.quantized(DType.INT8, Shape.of(1, 1, 1, 8), Layout.NHWC,
                Quantization.perTensor(0.1, 0)));
        for (int i = 0; i < 450; i++) {
            x = b.add("pool" + i, new GlobalAvgPool(), x);
        }
        Graph g = b.output(x).build();
        JvmRun run = JvmProgram.compile(g, ArenaLayout.sequential(g, 4)).newRun();
        byte[] in = {-128, -3, -1, 0, 1, 2, 100, 127};
        run.setInt8(g.inputs().get(0), in);
        run.run();
        assertArrayEquals(in, run.int8(x));
    }

    @Test
    void aSmallArenaIsRejected() {
        Graph g = TinyGraphs.block();
        JvmProgram p = JvmProgram.compile(g, ArenaLayout.sequential(g, 16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(new byte[10]));
        assertEquals(true, e.getMessage().contains("arena has 10 bytes"));
    }
}
