package dev.tinytrain.golden;

import dev.tinytrain.backend.c.CEmitter;
import dev.tinytrain.backend.c.CModel;
import dev.tinytrain.backend.c.CModelRunner;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.planner.ArenaLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden checks on the emitted C: the graph is emitted with its taps ({@code CEmitter}), built once per content
 * under a cache folder, and run by the model driver on the host (gcc) or on the Cortex-M7 under QEMU.
 */
public final class CGoldenBackend implements GoldenBackend {
    private final CModelRunner.Platform platform;
    private final Path cache;
    private final Duration timeout;

    /**
     * @param platform host or Cortex-M7 under QEMU
     * @param cache folder for emitted models and their builds (one sub-folder per model content)
     * @param timeout limit of one run (QEMU runs under {@code timeout})
     */
    public CGoldenBackend(CModelRunner.Platform platform, Path cache, Duration timeout) {
        this.platform = platform;
        this.cache = cache;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return platform == CModelRunner.Platform.QEMU_M7 ? "c-m7" : "c-host";
    }

    private static CEmitter.Provenance provenance(Graph g, String scheme) {
        return new CEmitter.Provenance(g.name(), "-", scheme, "golden check", 0, "trivial layout (every value kept)",
                "host / emulator", 8192, CEmitter.VERSION);
    }

    @Override
    public Map<String, byte[]> forward(Graph g, byte[] input, Map<String, Value> taps) {
        CModel m = CEmitter.forward(g, g.nodes(), ArenaLayout.sequential(g, 16), taps, provenance(g, "forward"));
        CModelRunner runner = CModelRunner.build(CModelRunner.materialize(m, cache), platform);
        CModelRunner.Results r = runner.run(new CModelRunner.Commands().forward(input).taps(), timeout);
        List<byte[]> data = r.of('A').get(0).arrays();
        Map<String, byte[]> out = new LinkedHashMap<>();
        int i = 0;
        for (String name : taps.keySet()) {
            out.put(name, data.get(i++));
        }
        return out;
    }

    @Override
    public TrainResult trainStep(TrainingGraph step, byte[] input, int label, Map<String, Value> taps) {
        Graph g = step.graph();
        CModel m = CEmitter.training(step, g.nodes(), ArenaLayout.sequential(g, 16), 0, taps,
                provenance(g, "train_step"));
        CModelRunner runner = CModelRunner.build(CModelRunner.materialize(m, cache), platform);
        CModelRunner.Results r = runner.run(new CModelRunner.Commands().train(input, label).taps().parameters()
                .saveState(), timeout);
        Map<String, byte[]> t = new LinkedHashMap<>();
        List<byte[]> data = r.of('A').get(0).arrays();
        int i = 0;
        for (String name : taps.keySet()) {
            t.put(name, data.get(i++));
        }
        return result(m, g, r, t);
    }

    @Override
    public TrainResult trainCompiled(CompiledModel compiled, byte[] input, int label) {
        CModel m = compiled.toC("golden check");
        CModelRunner runner = CModelRunner.build(CModelRunner.materialize(m, cache), platform);
        CModelRunner.Results r = runner.run(new CModelRunner.Commands().train(input, label).parameters().saveState(),
                timeout);
        return result(m, compiled.step().graph(), r, Map.of());
    }

    private static TrainResult result(CModel m, Graph g, CModelRunner.Results r, Map<String, byte[]> t) {
        List<byte[]> ps = r.of('P').get(0).arrays();
        Map<String, Object> params = new LinkedHashMap<>();
        int i = 0;
        for (Parameter p : g.parameters()) {
            params.put(p.name(), decode(p, ps.get(i++)));
        }
        Map<String, float[]> masters = m.state().decodeMasters(r.lastState(), g);
        return new TrainResult(r.losses().get(0), t, params, masters);
    }

    private static Object decode(Parameter p, byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return switch (p.value().type().dtype()) {
            case INT8 -> b;
            case INT32 -> {
                int[] v = new int[b.length / 4];
                bb.asIntBuffer().get(v);
                yield v;
            }
            case FLOAT32 -> {
                float[] v = new float[b.length / 4];
                bb.asFloatBuffer().get(v);
                yield v;
            }
            case BIT -> throw new IllegalArgumentException("bit parameter " + p.name());
        };
    }
}
