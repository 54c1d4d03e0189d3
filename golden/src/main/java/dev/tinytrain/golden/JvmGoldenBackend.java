package dev.tinytrain.golden;

import dev.tinytrain.backend.jvm.JvmProgram;
import dev.tinytrain.backend.jvm.JvmRun;
import dev.tinytrain.backend.jvm.ParameterArrays;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.planner.ArenaLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The golden checks on the JVM backend (the reference every other backend must equal). */
public final class JvmGoldenBackend implements GoldenBackend {

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public Map<String, byte[]> forward(Graph g, byte[] input, Map<String, Value> taps) {
        JvmProgram program = JvmProgram.compile(g, ArenaLayout.sequential(g, 16));
        JvmRun run = program.newRun();
        run.setInt8(g.inputs().get(0), input);
        run.run();
        Map<String, byte[]> out = new LinkedHashMap<>();
        taps.forEach((name, v) -> out.put(name, v.type().dtype() == DType.FLOAT32 ? floats(run.float32(v))
                : run.int8(v)));
        return out;
    }

    @Override
    public TrainResult trainStep(TrainingGraph step, byte[] input, int label, Map<String, Value> taps) {
        Graph g = step.graph();
        TrainingSession session = new TrainingSession(step, ArenaLayout.sequential(g, 16), 0);
        float loss = session.trainStep(input, label);
        Map<String, byte[]> t = new LinkedHashMap<>();
        taps.forEach((name, v) -> t.put(name, v.type().dtype() == DType.FLOAT32 ? floats(session.readFloat32(v))
                : session.readInt8(v)));
        return result(session, g, loss, t);
    }

    @Override
    public TrainResult trainCompiled(CompiledModel compiled, byte[] input, int label) {
        TrainingSession session = compiled.newSession();
        float loss = session.trainStep(input, label);
        return result(session, compiled.step().graph(), loss, Map.of());
    }

    private static TrainResult result(TrainingSession session, Graph g, float loss, Map<String, byte[]> t) {
        ParameterArrays arrays = session.parameters();
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, float[]> masters = new LinkedHashMap<>();
        for (Parameter p : g.parameters()) {
            params.put(p.name(), p.value().type().dtype() == DType.INT32 ? arrays.int32(p.name())
                    : arrays.get(p.name()));
            if (arrays.hasMaster(p.name())) {
                masters.put(p.name(), arrays.master(p.name()));
            }
        }
        return new TrainResult(loss, t, params, masters);
    }

    static byte[] floats(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            bb.putInt(Float.floatToRawIntBits(f));
        }
        return bb.array();
    }
}
