package dev.tinytrain.compiler.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.JvmProgram;
import dev.tinytrain.backend.jvm.JvmRun;
import dev.tinytrain.backend.jvm.TrainingSession;
import dev.tinytrain.compiler.BudgetExceededException;
import dev.tinytrain.compiler.CompileOptions;
import dev.tinytrain.compiler.CompiledModel;
import dev.tinytrain.compiler.Compiler;
import dev.tinytrain.compiler.Target;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import dev.tinytrain.ir.importer.McuModelImporter;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.planner.ArenaLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The zoo: the pretrained models' structure exactly, plausible synthetic numbers, reproducible, compilable. */
class ModelZooTest {

    /**
     * Conv counts, residual adds and MACs (backbone at 128x128, without any classifier) of the pretrained models
     * ({@code TTE-FACTS.md} §A.1 gives them with the 1000-class classifier: 22,453,504 + 160,000 = 22.61 M,
     * 16,646,912 + 112,000 = 16.76 M, 18,619,904 + 96,000 = 18.72 M), and
     * the largest activation and the sum of all activation sizes of the forward graph.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "mcunet-5fps,    42, 7,  22453504, 131072, 835304",
        "mbv2-w0.35,     51, 10, 16646912, 196608, 941896",
        "proxyless-w0.3, 60, 13, 18619904, 98304, 798312"})
    void structureMatchesThePaper(String name, int convs, int residuals, long backboneMacs, long largest,
                                  long activationBytes) {
        ImportedModel m = ModelZoo.build(name);
        Graph g = m.graph();
        assertEquals(name + "-synthetic", g.name());
        assertEquals(convs, m.convOrder().size());
        assertEquals(convs, ModelZoo.architecture(name).convCount());
        assertEquals(convs, g.nodes().stream().filter(n -> n.op() instanceof Conv2d).count());
        assertEquals(residuals, g.nodes().stream().filter(n -> n.op().kind() == OpKind.QUANTIZED_ADD).count());
        long headMacs = g.nodes().stream().filter(n -> n.op().kind() == OpKind.LINEAR).mapToLong(Node::macs).sum();
        assertEquals(backboneMacs, g.macs() - headMacs);
        assertEquals(largest, g.nodes().stream().mapToLong(n -> n.output().type().byteSize()).max().orElseThrow());
        assertEquals(activationBytes, activationBytes(g));
    }

    /** Node for node and parameter for parameter the same types as the pretrained import (when ../shared exists). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3"})
    void sameGraphShapeAsThePretrainedModel(String name) {
        Path dir = SharedFolder.require().resolve("models").resolve(name);
        ImportedModel zoo = ModelZoo.build(name);
        int c = ModelZoo.architecture(name).featureChannels();
        ImportedModel real = McuModelImporter.load(dir, 128, HeadSpec.defaultTransfer(c));
        Graph a = zoo.graph();
        Graph b = real.graph();
        assertEquals(b.nodes().size(), a.nodes().size());
        for (int i = 0; i < a.nodes().size(); i++) {
            Node x = a.nodes().get(i);
            Node y = b.nodes().get(i);
            assertEquals(y.name(), x.name());
            assertEquals(y.op().kind(), x.op().kind(), x.name());
            assertEquals(y.output().type().shape(), x.output().type().shape(), x.name());
            assertEquals(y.output().type().dtype(), x.output().type().dtype(), x.name());
            assertEquals(y.macs(), x.macs(), x.name());
            if (x.op() instanceof Conv2d cx && y.op() instanceof Conv2d cy) {
                assertEquals(cy.stride(), cx.stride(), x.name());
                assertEquals(cy.groups(), cx.groups(), x.name());
                assertEquals(cy.padTop(), cx.padTop(), x.name());
                // ReLU layers: y_zero -128 like the pretrained ones
                if (cy.output().zeroPoint() == -128 && !x.name().endsWith("pointwise2")) {
                    assertEquals(-128, cx.output().zeroPoint(), x.name());
                }
            }
        }
        assertEquals(b.parameters().size(), a.parameters().size());
        for (int i = 0; i < a.parameters().size(); i++) {
            Parameter p = a.parameters().get(i);
            Parameter q = b.parameters().get(i);
            assertEquals(q.name(), p.name());
            assertEquals(q.value().type().shape(), p.value().type().shape(), p.name());
            assertEquals(q.value().type().layout(), p.value().type().layout(), p.name());
        }
        assertEquals(real.convOrder(), zoo.convOrder());
        assertEquals(b.macs(), a.macs());
        assertEquals(activationBytes(b), activationBytes(a));
        assertEquals(real.graph().inputs().get(0).type(), zoo.graph().inputs().get(0).type());
        assertTrue(Files.isDirectory(dir));
    }

    /** Same seed, same numbers: the digest of every parameter is pinned, and two builds give the same IR. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3"})
    void weightsAreReproducible(String name) {
        ImportedModel a = ModelZoo.build(name);
        ImportedModel b = ModelZoo.build(name);
        assertEquals(a.weightsSha256(), b.weightsSha256());
        assertEquals(IrJson.write(a.graph()), IrJson.write(b.graph()));
        assertEquals(PINNED.get(name), a.weightsSha256(), "generated weights changed: bump"
                + " ModelZoo.GENERATOR_VERSION and update the pinned digest");
    }

    private static final java.util.Map<String, String> PINNED = java.util.Map.of(
            "mcunet-5fps", "9638fb6f2f7063ecb0d338291b6ae0a8ac269f429517348a68ed7f13e412518b",
            "mbv2-w0.35", "bb24f05f7c2fbb18a2531b8435495d48fa807d4c647d5169e3552d7d4ff86f9b",
            "proxyless-w0.3", "0018ed63e2604367473f8782926d8871f7d54917e58f05c532b54c16beb68d48");

    /**
     * The int8 network does not saturate: on a random image (not the calibration one) run through the JVM
     * backend, no activation sits at +127 for more than 2% of its values (with ReLU6-capped ranges, that is
     * ReLU6's own clamp), linear outputs sit at -128 for less than 2%, ReLU outputs are not all zero, and every
     * activation takes many distinct values.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3"})
    void activationsUseTheirRange(String name) {
        ImportedModel m = ModelZoo.build(name);
        Graph g = m.graph();
        JvmRun run = JvmProgram.compile(g, ArenaLayout.sequential(g, 16)).newRun();
        byte[] img = new byte[128 * 128 * 3];
        new Random(7).nextBytes(img);
        run.setInt8(m.tap("input"), img);
        run.run();
        List<String> report = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.op().kind() != OpKind.CONV2D && n.op().kind() != OpKind.QUANTIZED_ADD) {
                continue;
            }
            byte[] y = run.int8(n.output());
            int top = 0;
            int bottom = 0;
            Set<Byte> distinct = new HashSet<>();
            for (byte v : y) {
                top += v == 127 ? 1 : 0;
                bottom += v == -128 ? 1 : 0;
                distinct.add(v);
            }
            boolean relu = !(n.name().endsWith("pointwise2") || n.op().kind() == OpKind.QUANTIZED_ADD);
            double yScale = n.op() instanceof Conv2d c ? c.output().scale() : 0;
            boolean relu6 = relu && yScale >= 6.0 / 255 * 0.999;
            double topFrac = top / (double) y.length;
            double bottomFrac = bottom / (double) y.length;
            String line = String.format("%s top %.3f bottom %.3f distinct %d%s", n.name(), topFrac, bottomFrac,
                    distinct.size(), relu6 ? " (relu6)" : "");
            report.add(line);
            if (topFrac >= 0.02 || (relu ? bottomFrac >= 0.95 : bottomFrac >= 0.02)
                    || distinct.size() < 16) {
                failures.add(line);
            }
        }
        System.out.println(name + ":\n  " + String.join("\n  ", report));
        assertEquals(List.of(), failures);
        float[] logits = run.float32(m.tap("logits"));
        assertNotEquals(logits[0], logits[1]);
    }

    /** The zoo models compile with their TTE presets and fit the STM32F746; training everything overflows it. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"mcunet-5fps, mcunet-99kb", "mbv2-w0.35, mbv2-99kb", "proxyless-w0.3, proxyless-98kb"})
    void compilesWithItsPreset(String name, String scheme) {
        ImportedModel m = ModelZoo.build(name);
        CompiledModel c = Compiler.compileUnchecked(m.graph(), Target.STM32F746, CompileOptions.preset(scheme, 1e-3f));
        assertEquals(name + "-synthetic", c.report().model());
        assertTrue(c.report().arenaBytes() > 0);
        assertTrue(c.report().fits(), c.report().sramTotalBytes() + " B");
        if (name.startsWith("mbv2")) { // the quickest to compile whole
            assertThrows(BudgetExceededException.class, () -> Compiler.compile(m.graph(), Target.STM32F746,
                    CompileOptions.preset("all", 1e-3f)));
        }
    }

    /** A compiled zoo model trains: a few steps on one image lower its loss. */
    @Test
    void trainsOnTheJvm() {
        ImportedModel m = ModelZoo.build("proxyless-w0.3");
        CompiledModel c = Compiler.compile(m.graph(), Target.STM32F746, CompileOptions.preset("proxyless-98kb",
                1e-2f));
        TrainingSession s = c.newSession();
        byte[] img = new byte[128 * 128 * 3];
        new Random(3).nextBytes(img);
        float first = s.trainStep(img, 4);
        float last = first;
        for (int i = 0; i < 5; i++) {
            last = s.trainStep(img, 4);
        }
        assertTrue(Float.isFinite(first) && first > 0, "loss " + first);
        assertTrue(last < first, "loss " + first + " -> " + last);
    }

    @Test
    void unknownNamesListTheZoo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.build("mcunet"));
        assertTrue(e.getMessage().contains("mcunet-5fps, mbv2-w0.35, proxyless-w0.3"), e.getMessage());
        assertTrue(ModelZoo.contains("mcunet-5fps-synthetic"));
        assertTrue(ModelZoo.describe("mcunet-5fps").contains("SYNTHETIC"));
    }

    @Test
    void otherResolutionsKeepTheWeights() {
        ImportedModel a = ModelZoo.build("mcunet-5fps", 96, HeadSpec.defaultTransfer(160));
        ImportedModel b = ModelZoo.build("mcunet-5fps");
        assertEquals(b.weightsSha256(), a.weightsSha256());
        assertEquals(List.of(1, 96, 96, 3), a.graph().inputs().get(0).type().shape().dims());
        Value last = a.tap("blocks[13]");
        assertEquals(List.of(1, 3, 3, 160), last.type().shape().dims());
    }

    private static long activationBytes(Graph g) {
        return g.nodes().stream().mapToLong(n -> n.output().type().byteSize()).sum();
    }
}
