// Issue 14 evidence (bench/finetune.md, "Study: the imported TFLite MCUNet against the native one", Clipping):
//   java -cp cli/target/tinytrain-cli-0.1.0-SNAPSHOT-all.jar bench/tflite-gap/ClipAfter.java 200
// from the repository root (needs ../shared and the dataset-fashion-mnist package; about 2 training runs of time).
import dev.tinytrain.compiler.*;
import dev.tinytrain.compiler.output.*;
import dev.tinytrain.autodiff.TrainingOptions;
import dev.tinytrain.ir.*;
import dev.tinytrain.ir.ops.*;
import dev.tinytrain.backend.jvm.*;
import dev.tinytrain.planner.ArenaLayout;
import dev.tinytrain.dataset.*;
import dev.tinytrain.finetune.*;
import dev.tinytrain.pruning.*;
import java.nio.file.*;
import java.util.*;

/**
 * Trains each model's mcunet-99kb step on the quick protocol (seed 0), then runs the forward pass with the trained
 * parameters on test images and counts, per trained conv layer, the outputs at the top of the int8 range (127:
 * clipped by the calibrated ReLU6 range) before and after training.
 */
public class ClipAfter {
    public static void main(String[] a) throws Exception {
        int nTest = Integer.parseInt(a[0]);
        Path proto = Path.of("../shared/bench/fashion-mnist-protocol");
        ImageDataset train = FashionMnistProtocol.train(FashionMnistProtocol.DEBIAN_DIR);
        ImageDataset test = FashionMnistProtocol.test(FashionMnistProtocol.DEBIAN_DIR);
        TrainingOrder order = TrainingOrder.readProtocol(proto, 2000, 1);
        String[][] sides = {{"mcunet-5fps", "mcunet-99kb"},
            {"../shared/tflite/mcunet-5fps-int8.tflite", "bench/mcunet-99kb-tflite.json"}};
        for (String[] s : sides) {
            LoadedModel m = ModelSource.resolve(s[0], Path.of("")).load(128,
                    new HeadInitFile(proto.resolve("head-init/mcunet-5fps.bin")));
            Graph g = m.graph();
            SparseUpdatePolicy pol = s[1].endsWith(".json") ? PolicyJson.read(Path.of(s[1])) : Presets.get(s[1]);
            CompileOptions opts = new CompileOptions(pol, s[1], new TrainingOptions(1e-3f, 1e-3f, "stochastic", true, 0),
                    true, true, 4);
            CompiledModel cm = dev.tinytrain.compiler.Compiler.compile(g, Target.STM32F746, opts);
            Preprocessor pre = new Preprocessor(128, InputPixels.forModel(m, null).table());
            long[] before = saturation(g, g, pre, test, nTest);
            TrainingSession session = cm.newSession();
            for (int i = 0; i < order.size(); i++) {
                int k = order.get(i);
                session.trainStep(pre.preprocess(train, k, false), train.label(k));
            }
            List<Parameter> ps = new ArrayList<>();
            for (Parameter p : g.parameters()) {
                Object arr = session.parameters().get(p.name());
                TensorData d = switch (p.value().type().dtype()) {
                    case INT8 -> TensorData.ofInt8((byte[]) arr);
                    case INT32 -> TensorData.ofInt32(session.parameters().int32(p.name()));
                    case FLOAT32 -> TensorData.ofFloat32((float[]) arr);
                    default -> throw new IllegalStateException();
                };
                ps.add(new Parameter(p.value(), d, p.trainability()));
            }
            Graph trained = g.withParameters(ps);
            long[] after = saturation(g, trained, pre, test, nTest);
            System.out.println("== " + s[0] + ": outputs at 127 per conv over " + nTest + " test images, before -> after training");
            int c = 0;
            for (Node n : g.nodes()) {
                if (!(n.op() instanceof ConvLayer)) continue;
                if (c >= 20) System.out.printf(Locale.ROOT, "  conv %2d %-24s %8d -> %8d  (of %d)%n", c, n.name(), before[2 * c], after[2 * c], before[2 * c + 1]);
                c++;
            }
        }
    }

    static long[] saturation(Graph shape, Graph g, Preprocessor pre, ImageDataset test, int n) {
        JvmRun run = JvmProgram.compile(g, ArenaLayout.sequential(g, 16)).newRun();
        List<Node> convs = new ArrayList<>();
        for (Node nd : g.nodes()) if (nd.op() instanceof ConvLayer) convs.add(nd);
        long[] out = new long[2 * convs.size()];
        for (int i = 0; i < n; i++) {
            run.setInt8(g.inputs().get(0), pre.preprocess(test, i, false));
            run.run();
            for (int c = 0; c < convs.size(); c++) {
                byte[] v = run.int8(convs.get(c).outputs().get(0));
                for (byte b : v) if (b == 127) out[2 * c]++;
                out[2 * c + 1] += v.length;
            }
        }
        return out;
    }
}
