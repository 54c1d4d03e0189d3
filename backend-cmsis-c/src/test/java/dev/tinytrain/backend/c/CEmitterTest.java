package dev.tinytrain.backend.c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.JvmProgram;
import dev.tinytrain.backend.jvm.JvmRun;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TinyGraphs;
import dev.tinytrain.ir.Value;
import dev.tinytrain.planner.ArenaLayout;
import dev.tinytrain.planner.MemoryPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The emitter on small graphs: what it writes (provenance, one static arena of the planned size, const frozen
 * parameters, no heap, no double), that the folder appears atomically, that exact float literals survive the C
 * compiler, and that a forward graph's C equals the JVM on the planned and the trivial layout.
 */
class CEmitterTest {

    private static CEmitter.Provenance provenance() {
        return new CEmitter.Provenance("tiny", "0123abcd", "forward", "-", 0, "planner line", "host", 2048,
                CEmitter.VERSION);
    }

    private static Map<String, Value> allResults(Graph g) {
        Map<String, Value> taps = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            taps.put(n.name(), n.output());
        }
        return taps;
    }

    @Test
    void theModelFileStatesItsProvenanceAndKeepsFrozenParametersConst() {
        Graph g = TinyGraphs.block();
        MemoryPlan plan = MemoryPlan.of(g);
        CModel m = CEmitter.forward(g, g.nodes(), plan.layout(), Map.of(), provenance());
        String c = m.generated().get("tt_model.c");
        String h = m.generated().get("tt_model.h");
        assertTrue(c.contains("model sha256: 0123abcd") && c.contains("planner:    planner line")
                && c.contains("tinytrain:  " + CEmitter.VERSION), c.substring(0, 600));
        assertTrue(c.contains("static int8_t tt_arena[TT_ARENA_BYTES] TT_ALIGN8;"));
        assertTrue(h.contains("#define TT_ARENA_BYTES " + plan.arenaBytes() + "\n"), h);
        assertTrue(c.contains("static const int8_t tt_p0["), "frozen weights are const (Flash)");
        assertTrue(c.contains("static const int32_t tt_p1["), "frozen biases are const (Flash)");
        for (String forbidden : List.of("malloc", "double", "expf(", "logf(")) {
            assertFalse(c.contains(forbidden), "tt_model.c uses " + forbidden);
        }
        // one kernel call per conv, the fast variant its shape allows: the 3x3 3-channel conv through the im2col
        // kernel, the depthwise one, the 1x1 one with the compile-time table x_zero * sum w of its frozen weight
        assertEquals(1, c.split("tt_conv_im2col\\(").length - 1, "first conv: " + c);
        assertEquals(1, c.split("tt_depthwise_conv\\(").length - 1, "depthwise conv");
        assertEquals(1, c.split("tt_conv1x1\\(").length - 1, "1x1 conv");
        assertEquals(0, c.split("tt_conv2d_p\\(").length - 1, "no conv falls back to the reference kernel");
        assertTrue(c.matches("(?s).*tt_conv1x1\\(a, \\d+, \\d+, 4, -128, &tt_p\\d+_w, tt_k\\d+, .*"),
                "the 1x1 conv (input zero point -128, frozen weight) gets its zero-point table");
    }

    @Test
    void anOpKindWithoutEmitterOrAValueWithoutPlaceIsRejected() {
        Graph g = TinyGraphs.block();
        ArenaLayout partial = new ArenaLayout(Map.of(g.inputs().get(0).name(), 0L), 1024, 4);
        assertThrows(IllegalArgumentException.class, () -> CEmitter.forward(g, g.nodes(), partial, Map.of(),
                provenance()));
    }

    @Test
    void theFolderIsWrittenAtomicallyAndReplacedWhole(@TempDir Path tmp) throws IOException {
        Graph g = TinyGraphs.block();
        CModel m = CEmitter.forward(g, g.nodes(), MemoryPlan.of(g).layout(), Map.of(), provenance());
        Path dir = tmp.resolve("out");
        m.writeTo(dir);
        for (String f : m.files().keySet()) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        Files.delete(dir.resolve(m.files().keySet().iterator().next()));
        m.writeTo(dir); // its own folder (the manifest lists every entry) is replaced whole
        for (String f : m.files().keySet()) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        Files.writeString(dir.resolve("notes.txt"), "a user's file");
        assertThrows(UncheckedIOException.class, () -> m.writeTo(dir), "a folder holding a user's file is kept");
        assertEquals("a user's file", Files.readString(dir.resolve("notes.txt")));
        Files.delete(dir.resolve("notes.txt"));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "no temporary folder is left beside the target");
        }

        // a write that fails half way leaves nothing: "x" is written as a file, then "x/y" cannot be
        Map<String, String> broken = new LinkedHashMap<>(m.generated());
        broken.put("x", "a file");
        broken.put("x/y", "below a file");
        CModel bad = new CModel("bad", false, broken, m.state(), m.arenaBytes(), 0, Map.of());
        Path badDir = tmp.resolve("bad");
        assertThrows(UncheckedIOException.class, () -> bad.writeTo(badDir));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(dir), s.toList(), "a failed write leaves neither the target nor a temporary folder");
        }
    }

    @Test
    void floatLiteralsAreExactInC(@TempDir Path tmp) throws IOException {
        CHarness.requireTools("C float literals", "gcc");
        float[] values = {0f, -0f, 1f, -1.5f, 0.1f, Float.MIN_VALUE, -Float.MIN_VALUE * 77, Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, 3.4028235e38f, 1e-45f, 0x1.fffffep-127f, 16777217f, (float) Math.PI};
        StringBuilder src = new StringBuilder("#include <math.h>\n#include <stdio.h>\n#include <string.h>\n"
                + "#include <stdint.h>\nstatic const float v[] = {");
        for (float f : values) {
            src.append(CLiterals.f32(f)).append(", ");
        }
        src.append("};\nint main(void) { unsigned i; for (i = 0; i < sizeof v / sizeof v[0]; i++) { uint32_t b; "
                + "memcpy(&b, &v[i], 4); printf(\"%08x\\n\", (unsigned) b); } return 0; }\n");
        Files.writeString(tmp.resolve("lit.c"), src, StandardCharsets.UTF_8);
        CHarness.Exec cc = CHarness.exec(tmp, Duration.ofMinutes(1), Map.of(), List.of("gcc", "-std=c99", "-Wall",
                "-Wextra", "-Werror", "-Wdouble-promotion", "-o", "lit", "lit.c"));
        assertEquals(0, cc.exit(), cc.output());
        CHarness.Exec run = CHarness.exec(tmp, Duration.ofMinutes(1), Map.of(), List.of(tmp.resolve("lit").toString()));
        List<String> lines = run.output().lines().toList();
        for (int i = 0; i < values.length; i++) {
            assertEquals(String.format("%08x", Float.floatToRawIntBits(values[i])), lines.get(i),
                    "literal " + CLiterals.f32(values[i]));
        }
    }

    @Test
    void nonFiniteFloatsAreNeverPrinted() {
        for (float f : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertThrows(IllegalStateException.class, () -> CLiterals.f32(f), Float.toString(f));
        }
    }

    @Test
    void stateLayoutRoundTrips() {
        CStateLayout.Builder b = new CStateLayout.Builder();
        b.add("w", CStateLayout.Kind.INT8_WEIGHT, List.of(1, 3), 2, 4, 1);
        b.add("w", CStateLayout.Kind.MASTER, List.of(1, 3), 2, 4, 4);
        b.add("b", CStateLayout.Kind.INT32, List.of(), 1, 3, 4);
        CStateLayout l = b.build();
        assertEquals(CStateLayout.HEADER_BYTES + 4 + 16 + 12, l.bytes(), "entries 4-aligned");
        byte[] w = {0, 1, 2, 3, 4, 5, 6, 7};
        float[] master = {0, 1.5f, 2, 3.5f, 4, 5.5f, 6, 7.5f};
        byte[] blob = l.encode(n -> n.equals("w") ? w : new int[] {-1, 2, 1 << 30}, n -> master, 9, -3);
        assertEquals(9, CStateLayout.step(blob));
        assertEquals(-3, CStateLayout.seed(blob));
        assertArrayEquals(new byte[] {1, 3, 5, 7}, java.util.Arrays.copyOfRange(blob, 16, 20), "the trained channels");
    }

    /** The tiny forward graph through host C on the planned arena and on the trivial layout, against the JVM. */
    @Test
    void aForwardGraphEqualsTheJvm(@TempDir Path tmp) {
        CHarness.requireTools(CHarness.Platform.HOST);
        Graph g = TinyGraphs.block();
        Random r = new Random(1);
        byte[] in = new byte[Math.toIntExact(g.inputs().get(0).type().elementCount())];
        r.nextBytes(in);
        for (ArenaLayout layout : List.of(ArenaLayout.sequential(g, 16), MemoryPlan.of(g).layout())) {
            boolean keepsAll = layout.arenaBytes() == ArenaLayout.sequential(g, 16).arenaBytes();
            Map<String, Value> taps = keepsAll ? allResults(g) : Map.of("pool", g.outputs().get(0));
            CModel m = CEmitter.forward(g, g.nodes(), layout, taps, provenance());
            CModelRunner host = CModelRunner.build(CModelRunner.materialize(m, tmp), CModelRunner.Platform.HOST);
            CModelRunner.Results res = host.run(new CModelRunner.Commands().forward(in).taps(), Duration.ofMinutes(1));
            JvmRun run = JvmProgram.compile(g, layout).newRun();
            run.setInt8(g.inputs().get(0), in);
            run.run();
            List<byte[]> got = res.of('A').get(0).arrays();
            int i = 0;
            for (Map.Entry<String, Value> t : taps.entrySet()) {
                assertArrayEquals(run.int8(t.getValue()), got.get(i++), t.getKey());
            }
        }
    }
}
