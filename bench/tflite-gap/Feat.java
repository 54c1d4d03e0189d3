// Issue 14 evidence (bench/finetune.md, "Study: the imported TFLite MCUNet against the native one", The input):
//   java -cp cli/target/tinytrain-cli-0.1.0-SNAPSHOT-all.jar bench/tflite-gap/Feat.java 200 2000
// from the repository root: cosine and norm ratio of the pooled features of the native model (0), the imported
// model with its own input quantization (1) and with the authors' pixel table (2) on N training images from OFF.
import dev.tinytrain.compiler.output.*;
import dev.tinytrain.ir.*;
import dev.tinytrain.backend.jvm.*;
import dev.tinytrain.planner.ArenaLayout;
import dev.tinytrain.dataset.*;
import dev.tinytrain.finetune.InputPixels;
import java.nio.file.*;
import java.util.*;

/** Cosine and norm ratio of the pooled float features of the native and the imported MCUNet on the same images. */
public class Feat {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]), off = Integer.parseInt(a[1]);
        ImageDataset train = FashionMnistProtocol.train(FashionMnistProtocol.DEBIAN_DIR);
        String[] models = {"mcunet-5fps", "../shared/tflite/mcunet-5fps-int8.tflite", "../shared/tflite/mcunet-5fps-int8.tflite"};
        float[][][] f = new float[3][n][];
        for (int mi = 0; mi < 3; mi++) {
            LoadedModel m = ModelSource.resolve(models[mi], Path.of("")).load(128, HeadInitSource.seeded(10, 0));
            Graph g = m.graph();
            // model 1: the model's own input quantization; model 2: the authors' table (before the fix)
            Preprocessor pre = new Preprocessor(128, mi == 2 ? PixelToInt8.bundled() : InputPixels.forModel(m, null).table());
            JvmRun run = JvmProgram.compile(g, ArenaLayout.sequential(g, 16)).newRun();
            Value feat = g.value("feature").get();
            for (int i = 0; i < n; i++) {
                run.setInt8(g.inputs().get(0), pre.preprocess(train, off + i, false));
                run.run();
                f[mi][i] = run.float32(feat).clone();
            }
        }
        for (int[] pair : new int[][] {{0, 1}, {0, 2}, {1, 2}}) {
            double cs = 0, nr = 0, maxd = 0;
            for (int i = 0; i < n; i++) {
                double d = 0, x = 0, y = 0;
                for (int k = 0; k < f[0][i].length; k++) {
                    d += f[pair[0]][i][k] * f[pair[1]][i][k]; x += f[pair[0]][i][k] * f[pair[0]][i][k]; y += f[pair[1]][i][k] * f[pair[1]][i][k];
                }
                cs += d / Math.sqrt(x * y); nr += Math.sqrt(y / x);
            }
            System.out.printf(Locale.ROOT, "%s vs %s: mean cosine %.4f, mean norm ratio %.4f over %d images from %d%n",
                    pair[0], pair[1], cs / n, nr / n, n, off);
        }
    }
}
