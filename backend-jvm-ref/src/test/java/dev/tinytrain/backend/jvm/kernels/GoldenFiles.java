package dev.tinytrain.backend.jvm.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Test-side readers for the shared golden container ({@code tinytrain-golden/1}, golden/README.md 1.1) and
 * the model format ({@code tinytrain-mcu-model/1}, models/FORMAT.md 1), plus float-arena helpers.
 */
final class GoldenFiles {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] MODELS = {"mbv2-w0.35", "mcunet-5fps", "proxyless-w0.3"};

    private GoldenFiles() {
    }

    /**
     * The shared folder: system property {@code tinytrain.shared} (set by surefire), else
     * {@code ../../shared} relative to the module directory. Skips the calling test when absent.
     */
    static Path sharedOrSkip() {
        String prop = System.getProperty("tinytrain.shared");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("..", "..", "shared");
        p = p.toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(p.resolve("golden")) && Files.isDirectory(p.resolve("models")),
                "shared golden/model folder not found at " + p + " (set -Dtinytrain.shared=...); skipping golden test");
        return p;
    }

    /** An index JSON plus its raw little-endian data. */
    static final class Blob {
        final JsonNode index;
        final ByteBuffer data;
        final Map<String, JsonNode> refs = new HashMap<>();

        Blob(JsonNode index, byte[] data) {
            this.index = index;
            this.data = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        }

        static Blob golden(Path json) {
            try {
                JsonNode idx = JSON.readTree(json.toFile());
                Path bin = json.resolveSibling(idx.get("bin").get("file").asText());
                Blob b = new Blob(idx, Files.readAllBytes(bin));
                for (JsonNode t : idx.get("tensors")) {
                    b.refs.put(t.get("name").asText(), t);
                }
                return b;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Blob model(Path dir) {
            try {
                JsonNode idx = JSON.readTree(dir.resolve("model.json").toFile());
                return new Blob(idx, Files.readAllBytes(dir.resolve("weights.bin")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        boolean has(String name) {
            return refs.containsKey(name);
        }

        JsonNode ref(String name) {
            JsonNode r = refs.get(name);
            if (r == null) {
                throw new IllegalArgumentException("no tensor " + name);
            }
            return r;
        }

        static int count(JsonNode ref) {
            int n = 1;
            for (JsonNode d : ref.get("shape")) {
                n *= d.asInt();
            }
            return n;
        }

        static int[] shape(JsonNode ref) {
            int[] s = new int[ref.get("shape").size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = ref.get("shape").get(i).asInt();
            }
            return s;
        }

        float[] f32(JsonNode ref) {
            check(ref, "float32");
            float[] v = new float[count(ref)];
            int off = ref.get("offset").asInt();
            for (int i = 0; i < v.length; i++) {
                v[i] = data.getFloat(off + 4 * i);
            }
            return v;
        }

        byte[] i8(JsonNode ref) {
            check(ref, "int8");
            byte[] v = new byte[count(ref)];
            int off = ref.get("offset").asInt();
            for (int i = 0; i < v.length; i++) {
                v[i] = data.get(off + i);
            }
            return v;
        }

        int[] i32(JsonNode ref) {
            check(ref, "int32");
            int[] v = new int[count(ref)];
            int off = ref.get("offset").asInt();
            for (int i = 0; i < v.length; i++) {
                v[i] = data.getInt(off + 4 * i);
            }
            return v;
        }

        float[] f32(String name) {
            return f32(ref(name));
        }

        byte[] i8(String name) {
            return i8(ref(name));
        }

        int[] i32(String name) {
            return i32(ref(name));
        }

        private static void check(JsonNode ref, String dtype) {
            if (!ref.get("dtype").asText().equals(dtype)) {
                throw new IllegalArgumentException("expected " + dtype + ": " + ref);
            }
        }
    }

    private static final Pattern PART = Pattern.compile("([A-Za-z_0-9]+)(?:\\[(\\d+)])?");

    /** Resolves a model path such as {@code blocks[16].pointwise2} or {@code classifier} in model.json. */
    static JsonNode at(JsonNode root, String path) {
        JsonNode cur = root;
        for (String part : path.split("\\.")) {
            Matcher m = PART.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException(path);
            }
            cur = cur.get(m.group(1));
            if (m.group(2) != null) {
                cur = cur.get(Integer.parseInt(m.group(2)));
            }
            if (cur == null) {
                throw new IllegalArgumentException("no " + path);
            }
        }
        return cur;
    }

    // ------------------------------------------------------------------------------------- layouts

    /** OIHW int8 conv weight to the kernels' layout (OHWI, or [KH][KW][C] for depthwise). */
    static byte[] oihwToKernel(byte[] w, BackwardKernels.ConvGeom g) {
        byte[] r = new byte[w.length];
        int ipg = g.depthwise() ? 1 : g.inPerGroup();
        for (int o = 0; o < g.outC(); o++) {
            for (int i = 0; i < ipg; i++) {
                for (int kh = 0; kh < g.kH(); kh++) {
                    for (int kw = 0; kw < g.kW(); kw++) {
                        r[g.weightIndex(o, kh, kw, i)] = w[((o * ipg + i) * g.kH() + kh) * g.kW() + kw];
                    }
                }
            }
        }
        return r;
    }

    /** OIHW float tensor to the kernels' weight layout. */
    static float[] oihwToKernel(float[] w, BackwardKernels.ConvGeom g) {
        float[] r = new float[w.length];
        int ipg = g.depthwise() ? 1 : g.inPerGroup();
        for (int o = 0; o < g.outC(); o++) {
            for (int i = 0; i < ipg; i++) {
                for (int kh = 0; kh < g.kH(); kh++) {
                    for (int kw = 0; kw < g.kW(); kw++) {
                        r[g.weightIndex(o, kh, kw, i)] = w[((o * ipg + i) * g.kH() + kh) * g.kW() + kw];
                    }
                }
            }
        }
        return r;
    }

    /** NCHW (batch 1) int8 to NHWC. */
    static byte[] nchwToNhwc(byte[] v, int c, int h, int w) {
        byte[] r = new byte[v.length];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < h * w; p++) {
                r[p * c + ch] = v[ch * h * w + p];
            }
        }
        return r;
    }

    // -------------------------------------------------------------------------------------- arena

    static void putF(byte[] a, int off, float v) {
        int b = Float.floatToRawIntBits(v);
        a[off] = (byte) b;
        a[off + 1] = (byte) (b >>> 8);
        a[off + 2] = (byte) (b >>> 16);
        a[off + 3] = (byte) (b >>> 24);
    }

    static float getF(byte[] a, int off) {
        int b = (a[off] & 0xff) | (a[off + 1] & 0xff) << 8 | (a[off + 2] & 0xff) << 16 | (a[off + 3] & 0xff) << 24;
        return Float.intBitsToFloat(b);
    }

    static void putF(byte[] a, int off, float[] v) {
        for (int i = 0; i < v.length; i++) {
            putF(a, off + 4 * i, v[i]);
        }
    }

    static float[] getF(byte[] a, int off, int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = getF(a, off + 4 * i);
        }
        return r;
    }

    static void setBit(byte[] a, int maskOff, int i, boolean v) {
        if (v) {
            a[maskOff + (i >> 3)] |= (byte) (1 << (i & 7));
        } else {
            a[maskOff + (i >> 3)] &= (byte) ~(1 << (i & 7));
        }
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    /** {@code eff = (float)(xScale * (double) wScale / yScale)} (FORMAT.md 3.2 step 3). */
    static float[] eff(double xScale, float[] wScales, double yScale) {
        float[] e = new float[wScales.length];
        for (int o = 0; o < e.length; o++) {
            e[o] = (float) (xScale * (double) wScales[o] / yScale);
        }
        return e;
    }
}
