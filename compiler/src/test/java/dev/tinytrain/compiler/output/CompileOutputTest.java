package dev.tinytrain.compiler.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinytrain.compiler.BudgetExceededException;
import dev.tinytrain.compiler.zoo.ModelZoo;
import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.json.IrJson;
import dev.tinytrain.pruning.PolicyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared compile run: resolution of models and schemes, stamps, and the all-or-nothing output folder. */
class CompileOutputTest {
    private static CompileResult mcunet;

    @TempDir
    Path tmp;

    @BeforeAll
    static void compileOnce() {
        mcunet = CompileRun.compile(CompileRequest.of("synthetic:mcunet-5fps", "mcunet-99kb", Path.of(".")));
    }

    @Test
    void zooModelCompilesAndIsLabelledSynthetic() throws IOException {
        assertEquals("mcunet-5fps-synthetic", mcunet.compiled().report().model());
        assertTrue(mcunet.model().synthetic());
        Path out = tmp.resolve("out");
        List<String> written = CompileOutput.write(mcunet, out, "stamp");
        assertEquals(List.of("report.txt", "report.json", "arena.svg", "c/", "tinytrain.stamp", "tinytrain.manifest"),
                written);
        String text = Files.readString(out.resolve("report.txt"));
        assertTrue(text.contains("SYNTHETIC"), text);
        assertTrue(text.contains("scheme mcunet-99kb, target stm32f746"), text);
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertTrue(json.get("model").asText().endsWith("-synthetic"));
        assertEquals("mcunet-5fps-synthetic", json.get("model").asText());
        assertEquals(mcunet.compiled().report().arenaBytes(), json.get("arenaBytes").asLong());
        assertEquals(mcunet.compiled().report().tensors().size(), json.get("tensors").size());
        assertEquals(List.of("out"), names(tmp)); // no temporary folder left
    }

    @Test
    void replacesItsOwnOutputsButNotAUsersFolder() throws IOException {
        Path out = tmp.resolve("out");
        CompileOutput.write(mcunet, out, "first");
        Files.delete(out.resolve("arena.svg")); // fewer files than the manifest lists: still tinytrain's
        CompileOutput.write(mcunet, out, "second");
        assertEquals("second", Files.readString(out.resolve("tinytrain.stamp")));
        Files.writeString(out.resolve("notes.txt"), "a user's file in tinytrain's folder");
        CompileInputException added = assertThrows(CompileInputException.class,
                () -> CompileOutput.write(mcunet, out, "third"));
        assertTrue(added.getMessage().contains("it holds notes.txt, which tinytrain did not write"),
                added.getMessage());
        assertEquals("second", Files.readString(out.resolve("tinytrain.stamp")));
        Files.delete(out.resolve("notes.txt"));

        Path stampOnly = tmp.resolve("stamp-only");
        Files.createDirectories(stampOnly);
        Files.writeString(stampOnly.resolve("tinytrain.stamp"), "");
        Files.writeString(stampOnly.resolve("data.csv"), "precious");
        assertThrows(CompileInputException.class, () -> CompileOutput.write(mcunet, stampOnly, "s"));
        assertEquals("precious", Files.readString(stampOnly.resolve("data.csv")));

        Path users = tmp.resolve("users");
        Files.createDirectories(users);
        Files.writeString(users.resolve("thesis.tex"), "precious");
        CompileInputException e = assertThrows(CompileInputException.class,
                () -> CompileOutput.write(mcunet, users, "s"));
        assertTrue(e.getMessage().contains("refusing to replace"), e.getMessage());
        assertEquals("precious", Files.readString(users.resolve("thesis.tex")));
        assertEquals(List.of("out", "stamp-only", "users"), names(tmp));
    }

    @Test
    void aFailedWriteLeavesThePreviousOutputs() throws IOException {
        Path out = tmp.resolve("out");
        CompileOutput.write(mcunet, out, "first");
        Path parent = tmp.resolve("ro");
        Files.createDirectories(parent);
        Path blocked = parent.resolve("out");
        Files.writeString(blocked, "a file where the folder should go");
        assertThrows(CompileInputException.class, () -> CompileOutput.write(mcunet, blocked, "s"));
        assertEquals("a file where the folder should go", Files.readString(blocked));
        assertEquals("first", Files.readString(out.resolve("tinytrain.stamp")));
        assertEquals(List.of("out"), names(parent));
    }

    @Test
    void upToDateOnlyWithTheSameStampAndTheOutputsPresent() throws IOException {
        CompileRequest r = CompileRequest.of("mcunet-5fps", "mcunet-99kb", tmp);
        String stamp = InputStamp.compute(r, "test");
        Path out = tmp.resolve("out");
        assertFalse(CompileOutput.isUpToDate(out, stamp));
        CompileOutput.write(mcunet, out, stamp);
        assertTrue(CompileOutput.isUpToDate(out, stamp));
        assertEquals(stamp, InputStamp.compute(r, "test"), "the same inputs give the same stamp");
        Files.delete(out.resolve("report.json"));
        assertFalse(CompileOutput.isUpToDate(out, stamp));
    }

    @Test
    void theStampChangesWithEveryInput() throws IOException {
        Path policy = tmp.resolve("policy.json");
        Files.writeString(policy, "{\"bias_window\": 4}");
        CompileRequest base = new CompileRequest("mcunet-5fps", "policy.json", "stm32f746", "stochastic", 1e-3f, null,
                128, null, tmp);
        String s0 = InputStamp.compute(base, "v1");
        assertNotEquals(s0, InputStamp.compute(base, "v2"));
        assertNotEquals(s0, InputStamp.compute(new CompileRequest("mbv2-w0.35", "policy.json", "stm32f746",
                "stochastic", 1e-3f, null, 128, null, tmp), "v1"));
        assertNotEquals(s0, InputStamp.compute(new CompileRequest("mcunet-5fps", "policy.json", "stm32f746",
                "stochastic", 1e-3f, 5e-4f, 128, null, tmp), "v1"));
        assertNotEquals(s0, InputStamp.compute(new CompileRequest("mcunet-5fps", "policy.json", "tte-256kb",
                "stochastic", 1e-3f, null, 128, null, tmp), "v1"));
        assertNotEquals(s0, InputStamp.compute(new CompileRequest("mcunet-5fps", "policy.json", "stm32f746",
                "nearest_even", 1e-3f, null, 128, null, tmp), "v1"));
        assertNotEquals(s0, InputStamp.compute(new CompileRequest("mcunet-5fps", "policy.json", "stm32f746",
                "stochastic", 1e-3f, null, 96, null, tmp), "v1"));
        Files.writeString(policy, "{\"bias_window\": 5}");
        assertNotEquals(s0, InputStamp.compute(base, "v1"), "a changed policy file");
        Path graph = tmp.resolve("g.json");
        Files.writeString(graph, IrJson.write(ModelZoo.build("mcunet-5fps").graph()));
        CompileRequest ir = new CompileRequest("g.json", "policy.json", "stm32f746", "stochastic", 1e-3f, null, 128,
                null, tmp);
        String s1 = InputStamp.compute(ir, "v1");
        Files.writeString(graph, IrJson.write(ModelZoo.build("mbv2-w0.35").graph()));
        assertNotEquals(s1, InputStamp.compute(ir, "v1"), "a changed IR JSON file");
    }

    @Test
    void irJsonAndModelFoldersCompileToo() throws IOException {
        Path graph = tmp.resolve("mcunet.json");
        Files.writeString(graph, IrJson.write(ModelZoo.build("mcunet-5fps").graph()));
        CompileResult r = CompileRun.compile(CompileRequest.of(graph.toString(), "mcunet-99kb", tmp));
        assertEquals("ir-json", r.model().kind());
        assertEquals(mcunet.compiled().report().sramTotalBytes(), r.compiled().report().sramTotalBytes());

        Path dir = Path.of("../models/mcunet-5fps").toAbsolutePath(); // the shipped model, by path
        CompileResult real = CompileRun.compile(CompileRequest.of(dir.toString(), "mcunet-99kb", tmp));
        assertEquals("folder", real.model().kind());
        assertFalse(real.model().synthetic());
        // the same architecture: the same memory, to the byte
        assertEquals(real.compiled().report().arenaBytes(), mcunet.compiled().report().arenaBytes());
        assertEquals(real.compiled().report().sramTotalBytes(), mcunet.compiled().report().sramTotalBytes());
        assertEquals(real.compiled().report().flashBytes(), mcunet.compiled().report().flashBytes());
        CompileResult viaJson = CompileRun.compile(CompileRequest.of(dir.resolve("model.json").toString(),
                "mcunet-99kb", tmp));
        assertEquals("folder", viaJson.model().kind());
    }

    @Test
    void badInputsFailWithTheirMessage() throws IOException {
        CompileInputException missing = assertThrows(CompileInputException.class,
                () -> CompileRun.compile(CompileRequest.of("models/nope", "mcunet-99kb", tmp)));
        assertTrue(missing.getMessage().contains("model 'models/nope' not found"), missing.getMessage());
        assertTrue(missing.getMessage().contains("mcunet-5fps, mbv2-w0.35, proxyless-w0.3"), missing.getMessage());
        PolicyException scheme = assertThrows(PolicyException.class,
                () -> CompileRun.compile(CompileRequest.of("mcunet-5fps", "mcunet-100kb", tmp)));
        assertTrue(scheme.getMessage().contains("unknown sparse-update preset 'mcunet-100kb'"), scheme.getMessage());
        PolicyException noFile = assertThrows(PolicyException.class,
                () -> CompileRun.compile(CompileRequest.of("mcunet-5fps", "nope.json", tmp)));
        assertTrue(noFile.getMessage().contains("file not found"), noFile.getMessage());
        PolicyException wrongModel = assertThrows(PolicyException.class,
                () -> CompileRun.compile(CompileRequest.of("mbv2-w0.35", "mcunet-99kb", tmp)));
        assertTrue(wrongModel.getMessage().contains("written for mcunet-5fps"), wrongModel.getMessage());
        BudgetExceededException budget = assertThrows(BudgetExceededException.class,
                () -> CompileRun.compile(CompileRequest.of("mcunet-5fps", "all", tmp)));
        assertTrue(budget.getMessage().startsWith("SRAM budget of stm32f746"), budget.getMessage());
        IllegalArgumentException target = assertThrows(IllegalArgumentException.class,
                () -> CompileRun.compile(new CompileRequest("mcunet-5fps", "mcunet-99kb", "stm32h7", "stochastic",
                        1e-3f, null, 128, null, tmp)));
        assertTrue(target.getMessage().contains("unknown target 'stm32h7'"), target.getMessage());
        IllegalArgumentException rounding = assertThrows(IllegalArgumentException.class,
                () -> CompileRun.compile(new CompileRequest("mcunet-5fps", "mcunet-99kb", "stm32f746", "up", 1e-3f,
                        null, 128, null, tmp)));
        assertTrue(rounding.getMessage().contains("rounding must be one of"), rounding.getMessage());
        Path notIr = tmp.resolve("notes.json");
        Files.writeString(notIr, "{\"hello\": 1}");
        assertThrows(dev.tinytrain.ir.IrException.class,
                () -> CompileRun.compile(CompileRequest.of(notIr.toString(), "head-only", tmp)));
    }

    @Test
    void oneResolutionRuleForModels() throws IOException {
        assertEquals(ModelSource.Kind.SHIPPED, ModelSource.resolve("proxyless-w0.3", tmp).kind());
        assertEquals(ModelSource.Kind.SYNTHETIC, ModelSource.resolve("synthetic:proxyless-w0.3", tmp).kind());
        assertEquals(ModelSource.Kind.SYNTHETIC, ModelSource.resolve("proxyless-w0.3-synthetic", tmp).kind());
        assertThrows(CompileInputException.class, () -> ModelSource.resolve("synthetic:resnet", tmp));
        // an existing folder of a shipped model's name wins over the shipped model (what the user points at)
        Path local = Files.createDirectories(tmp.resolve("mbv2-w0.35"));
        ModelSource folder = ModelSource.resolve("mbv2-w0.35", tmp);
        assertEquals(ModelSource.Kind.FOLDER, folder.kind());
        assertEquals(local.toAbsolutePath().normalize(), folder.path());
        Path tflite = Files.write(tmp.resolve("m.tflite"), new byte[] {1});
        assertEquals(ModelSource.Kind.TFLITE, ModelSource.resolve(tflite.toString(), tmp).kind());
        Path onnx = Files.write(tmp.resolve("m.onnx"), new byte[] {1});
        CompileInputException unknown = assertThrows(CompileInputException.class,
                () -> ModelSource.resolve(onnx.toString(), tmp));
        assertTrue(unknown.getMessage().contains("unknown format"), unknown.getMessage());
        LoadedModel shipped = ModelSource.resolve("mcunet-5fps", tmp).load(128, null);
        assertFalse(shipped.synthetic());
        assertEquals("25cc833e6a5a187b86eec5d2eeaa42d2e1960078f6b448cd85978474f829e2df", shipped.digest());
        assertEquals(HeadSpec.DEFAULT_CLASSES, shipped.classes());
        assertEquals(160, shipped.featureChannels());
        assertTrue(SchemeSource.resolve("mcunet-99kb", tmp).isPreset());
        assertFalse(SchemeSource.resolve("policies/x.json", tmp).isPreset());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
