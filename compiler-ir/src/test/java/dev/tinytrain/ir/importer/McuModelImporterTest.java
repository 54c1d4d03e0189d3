package dev.tinytrain.ir.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.SharedFolder;
import dev.tinytrain.ir.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The importer reads the three pretrained models and rejects every kind of malformed folder by name. */
class McuModelImporterTest {

    @ParameterizedTest
    @CsvSource({"mcunet-5fps, 43, 7, 22613504", "mbv2-w0.35, 52, 10, 16758912", "proxyless-w0.3, 61, 13, 18715904"})
    void importsPretrainedModelsWithTheirConvCountsAndMacs(String model, int convs, int adds, long macs) {
        ImportedModel m = McuModelImporter.load(SharedFolder.require().resolve("models").resolve(model));
        Graph g = m.graph();
        assertEquals(convs, g.nodes().stream().filter(n -> n.op().kind().irName().equals("conv2d")).count());
        assertEquals(adds, g.nodes().stream().filter(n -> n.op().kind().irName().equals("add_q")).count());
        assertEquals(macs, g.macs(), "MACs at 128x128 including the classifier (golden README §5)");
        assertEquals(convs - 1, m.convOrder().size());
        assertEquals(Shape.of(1, 1, 1, 1000), m.tap("logits").type().shape());
    }

    @Test
    void transposesOihwToOhwiAndDepthwiseLayouts() {
        ImportedModel m = McuModelImporter.load(SharedFolder.require().resolve("models/mcunet-5fps"));
        Parameter first = m.graph().parameter("first_conv.params.weight").orElseThrow();
        assertEquals(Shape.of(16, 3, 3, 3), first.value().type().shape());
        assertEquals(Layout.OHWI, first.value().type().layout());
        Parameter dw = m.graph().parameter("blocks[0].depthwise.params.weight").orElseThrow();
        assertEquals(Shape.of(1, 3, 3, 16), dw.value().type().shape());
        assertEquals(Layout.DEPTHWISE, dw.value().type().layout());
        // weights.bin stores OIHW: element [o=1,i=2,y=0,x=1] of first_conv is byte 1*27 + 2*9 + 0*3 + 1
        byte[] raw = readWeights("mcunet-5fps");
        byte[] ohwi = first.data().toInt8();
        assertEquals(raw[27 + 18 + 1], ohwi[((1 * 3 + 0) * 3 + 1) * 3 + 2]);
    }

    @Test
    void anyResolutionTheConvolutionsAcceptWorks() {
        Path dir = SharedFolder.require().resolve("models/mcunet-5fps");
        ImportedModel m = McuModelImporter.load(dir, 160, HeadSpec.pretrained());
        assertEquals(Shape.of(1, 5, 5, 160), m.tap("blocks[13]").type().shape());
        ImportedModel small = McuModelImporter.load(dir, 33, HeadSpec.pretrained());
        assertEquals(Shape.of(1, 2, 2, 160), small.tap("blocks[13]").type().shape());
    }

    @Test
    void transferHeadIsAFloatLinearOnTheDequantizedFeature() {
        Path dir = SharedFolder.require().resolve("models/mcunet-5fps");
        ImportedModel m = McuModelImporter.load(dir, 128, HeadSpec.transfer(new float[10 * 160], new float[10]));
        assertEquals(Shape.of(1, 10), m.tap("logits").type().shape());
        assertTrue(m.graph().parameter("head.weight").isPresent());
        assertTrue(m.graph().parameter("classifier.params.weight").isEmpty());
    }

    @Test
    void truncatedWeightsAreRejected(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp, "mbv2-w0.35");
        byte[] w = Files.readAllBytes(dir.resolve("weights.bin"));
        Files.write(dir.resolve("weights.bin"), java.util.Arrays.copyOf(w, w.length - 100));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir));
        assertEquals("weights.nbytes", e.field());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void wrongShaIsRejected(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp, "mbv2-w0.35");
        byte[] w = Files.readAllBytes(dir.resolve("weights.bin"));
        w[1000] ^= 1;
        Files.write(dir.resolve("weights.bin"), w);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir));
        assertEquals("weights.sha256", e.field());
    }

    @Test
    void arrayReferenceOutsideTheFileIsRejected(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp, "mbv2-w0.35");
        edit(dir, "\"offset\": 560,", "\"offset\": 99999984,");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir));
        assertTrue(e.field().endsWith(".offset"), e.field());
        assertTrue(e.getMessage().contains("outside weights.bin"), e.getMessage());
    }

    @Test
    void missingKeyIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp, "mbv2-w0.35");
        editFirst(dir, "\"stride\": 2,", "");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir));
        assertEquals("first_conv.stride", e.field());
        assertTrue(e.getMessage().contains("missing key"));
    }

    @Test
    void shapeAndDtypeMismatchesAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp, "mbv2-w0.35");
        editFirst(dir, "\"dtype\": \"int32\"", "\"dtype\": \"float32\"");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir));
        assertEquals("first_conv.params.bias.dtype", e.field());

        Path dir2 = copyModel(tmp.resolve("b"), "mbv2-w0.35");
        editFirst(dir2, "\"out_channel\": 16,", "\"out_channel\": 17,");
        ModelFormatException e2 = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir2));
        assertTrue(e2.field().startsWith("first_conv"), e2.field());
    }

    @Test
    void badScalesAndZeroPointsAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp, "mbv2-w0.35");
        editFirst(dir, "\"y_scale\": 0.023529411764705882", "\"y_scale\": NaN");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir));
        assertEquals("first_conv.params.y_scale", e.field());

        Path dir2 = copyModel(tmp.resolve("b"), "mbv2-w0.35");
        editFirst(dir2, "\"y_scale\": 0.023529411764705882", "\"y_scale\": -0.5");
        assertEquals("first_conv.params.y_scale",
                assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir2)).field());

        Path dir3 = copyModel(tmp.resolve("c"), "mbv2-w0.35");
        editFirst(dir3, "\"y_zero\": -128", "\"y_zero\": -129");
        ModelFormatException e3 = assertThrows(ModelFormatException.class, () -> McuModelImporter.load(dir3));
        assertEquals("first_conv.params.y_zero", e3.field());
        assertTrue(e3.getMessage().contains("outside int8"));
    }

    @Test
    void sameZeroPointPaddingAcceptsEvenATinyInputButNotAnEmptyOne() {
        Path dir = SharedFolder.require().resolve("models/mcunet-5fps");
        assertEquals(Shape.of(1, 1, 1, 160), McuModelImporter.load(dir, 1, HeadSpec.pretrained())
                .tap("blocks[13]").type().shape());
        assertThrows(IllegalArgumentException.class, () -> McuModelImporter.load(dir, 0, HeadSpec.pretrained()));
    }

    private static byte[] readWeights(String model) {
        try {
            return Files.readAllBytes(SharedFolder.require().resolve("models").resolve(model).resolve("weights.bin"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path copyModel(Path tmp, String model) throws IOException {
        Path src = SharedFolder.require().resolve("models").resolve(model);
        Path dir = tmp.resolve(model);
        Files.createDirectories(dir);
        Files.copy(src.resolve("model.json"), dir.resolve("model.json"));
        Files.copy(src.resolve("weights.bin"), dir.resolve("weights.bin"));
        return dir;
    }

    private static void edit(Path dir, String from, String to) throws IOException {
        String s = Files.readString(dir.resolve("model.json"));
        assertTrue(s.contains(from), "fixture text not found: " + from);
        Files.writeString(dir.resolve("model.json"), s.replace(from, to));
    }

    private static void editFirst(Path dir, String from, String to) throws IOException {
        String s = Files.readString(dir.resolve("model.json"));
        int i = s.indexOf(from);
        assertTrue(i >= 0, "fixture text not found: " + from);
        Files.writeString(dir.resolve("model.json"), s.substring(0, i) + to + s.substring(i + from.length()));
    }
}
