package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArrowDatasetsTest {
    @TempDir
    Path tmp;

    private Path[] idxPair(int n, int rows, int cols, boolean gz, long seed) throws IOException {
        byte[] px = TestData.pixels(n * rows * cols, seed);
        byte[] lab = new byte[n];
        for (int i = 0; i < n; i++) {
            lab[i] = (byte) ((i * 7 + seed) % 10);
        }
        byte[] img = TestData.idx(IdxReader.IMAGES_MAGIC, new int[] {n, rows, cols}, px);
        byte[] labF = TestData.idx(IdxReader.LABELS_MAGIC, new int[] {n}, lab);
        String sfx = gz ? "-ubyte.gz" : "-ubyte";
        return new Path[] {
            TestData.write(tmp, "images" + seed + sfx, gz ? TestData.gzip(img) : img),
            TestData.write(tmp, "labels" + seed + sfx, gz ? TestData.gzip(labF) : labF)};
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void idxToArrowRoundTrip(boolean gz) throws Exception {
        Path[] idx = idxPair(9, 5, 7, gz, 11);
        Path out = tmp.resolve("sub/dir/data.arrow");
        assertEquals(9, ArrowDatasets.writeIdxAsArrow(idx[0], idx[1], out));
        ImageDataset expected = IdxReader.readDataset(idx[0], idx[1]);
        ImageDataset got = ArrowDatasets.read(out);
        assertEquals(expected, got);
        assertEquals(5, got.rows());
        assertEquals(7, got.cols());
        assertEquals(1, got.channels());
        assertArrayEquals(expected.image(8), got.image(8));
        assertEquals(expected.label(3), got.label(3));
        assertEquals(out, got.source().orElseThrow());
        assertNoTempFiles(out.getParent());
    }

    @Test
    void writtenSchemaIsTheDocumentedOne() throws Exception {
        Path[] idx = idxPair(3, 28, 28, false, 1);
        Path out = tmp.resolve("s.arrow");
        ArrowDatasets.writeIdxAsArrow(idx[0], idx[1], out);
        try (BufferAllocator a = new RootAllocator();
             FileChannel ch = FileChannel.open(out);
             ArrowFileReader r = new ArrowFileReader(ch, a)) {
            Schema s = r.getVectorSchemaRoot().getSchema();
            assertEquals(List.of("image", "label"), s.getFields().stream().map(Field::getName).toList());
            assertEquals(new ArrowType.FixedSizeBinary(784), s.findField("image").getType());
            assertEquals(new ArrowType.Int(32, true), s.findField("label").getType());
            assertEquals(Map.of("rows", "28", "cols", "28", "channels", "1"), s.getCustomMetadata());
            assertEquals(ArrowDatasets.schema(28, 28, 1), s);
        }
        assertArrayEquals("ARROW1".getBytes(), java.util.Arrays.copyOf(Files.readAllBytes(out), 6),
                "an Arrow IPC file (Feather v2), not a stream");
    }

    @Test
    void manyBatchesAndThreeChannels() throws Exception {
        int n = 2 * ArrowDatasets.BATCH_ROWS + 123;
        byte[] px = TestData.pixels(n * 2 * 2 * 3, 5);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i;
        }
        ImageDataset ds = ImageDataset.of(2, 2, 3, px, labels);
        Path out = tmp.resolve("rgb.arrow");
        ArrowDatasets.write(ds, out);
        ImageDataset got = ArrowDatasets.read(out);
        assertEquals(ds, got);
        assertEquals(3, got.channels());
        assertEquals(n - 1, got.label(n - 1));
    }

    @Test
    void emptyDataset() throws Exception {
        ImageDataset ds = ImageDataset.of(28, 28, 1, new byte[0], new int[0]);
        Path out = tmp.resolve("empty.arrow");
        ArrowDatasets.write(ds, out);
        ImageDataset got = ArrowDatasets.read(out);
        assertEquals(0, got.count());
        assertEquals(28, got.rows());
    }

    @ParameterizedTest
    @EnumSource(ArrowDatasets.Compression.class)
    void compressedFilesRoundTrip(ArrowDatasets.Compression c) throws Exception {
        ImageDataset ds = ImageDataset.of(6, 4, 1, TestData.pixels(50 * 24, 9), new int[50]);
        Path out = tmp.resolve("c-" + c + ".arrow");
        ArrowDatasets.write(ds, out, c);
        assertEquals(ds, ArrowDatasets.read(out));
    }

    @Test
    void existingFileIsReplacedAtomicallyAndKeptOnFailure() throws Exception {
        Path out = tmp.resolve("keep.arrow");
        ImageDataset first = ImageDataset.of(2, 2, 1, TestData.pixels(8, 1), new int[] {1, 2});
        ArrowDatasets.write(first, out);
        byte[] before = Files.readAllBytes(out);

        Path badImages = TestData.write(tmp, "bad-images", new byte[] {0, 0, 8, 3, 0});
        Path[] idx = idxPair(2, 2, 2, false, 3);
        assertThrows(IdxFormatException.class, () -> ArrowDatasets.writeIdxAsArrow(badImages, idx[1], out));
        assertArrayEquals(before, Files.readAllBytes(out), "a failed conversion leaves the old file alone");
        Path fresh = tmp.resolve("never.arrow");
        assertThrows(IdxFormatException.class, () -> ArrowDatasets.writeIdxAsArrow(badImages, idx[1], fresh));
        assertFalse(Files.exists(fresh), "nothing half-written");

        ImageDataset second = ImageDataset.of(2, 2, 1, TestData.pixels(12, 2), new int[] {4, 5, 6});
        ArrowDatasets.write(second, out);
        assertEquals(second, ArrowDatasets.read(out));
        assertNoTempFiles(tmp);
    }

    @Test
    void readsFixedSizeListOfUInt8() throws Exception {
        int n = 4;
        int size = 3 * 2;
        byte[] px = TestData.pixels(n * size, 4);
        Path out = tmp.resolve("fsl.arrow");
        Field child = new Field("item", FieldType.notNullable(new ArrowType.Int(8, false)), null);
        Field image = new Field("image", FieldType.nullable(new ArrowType.FixedSizeList(size)), List.of(child));
        Field label = new Field("label", FieldType.nullable(new ArrowType.Int(32, true)), null);
        Field extra = new Field("note", FieldType.nullable(new ArrowType.Int(64, true)), null);
        Schema schema = new Schema(List.of(extra, label, image), Map.of("rows", "3", "cols", "2", "channels", "1",
                "pandas", "{}"));
        writeRaw(schema, out, false, root -> {
            FixedSizeListVector list = (FixedSizeListVector) root.getVector("image");
            list.allocateNew();
            UInt1Vector u = (UInt1Vector) list.getDataVector();
            u.allocateNew(n * size);
            for (int i = 0; i < n * size; i++) {
                u.set(i, px[i]);
            }
            u.setValueCount(n * size);
            for (int i = 0; i < n; i++) {
                list.setNotNull(i);
            }
            IntVector l = (IntVector) root.getVector("label");
            l.allocateNew(n);
            for (int i = 0; i < n; i++) {
                l.set(i, 9 - i);
            }
            ((BigIntVector) root.getVector("note")).allocateNew(n);
            root.setRowCount(n);
        });
        ImageDataset ds = ArrowDatasets.read(out);
        assertEquals(ImageDataset.of(3, 2, 1, px, new int[] {9, 8, 7, 6}), ds);
    }

    @Test
    void readsIpcStreamFormatToo() throws Exception {
        byte[] px = TestData.pixels(2 * 8, 8);
        Path out = tmp.resolve("stream.arrows");
        writeRaw(ArrowDatasets.schema(2, 2, 2), out, true, root -> fill(root, px, new int[] {3, 1}, 8));
        assertEquals(ImageDataset.of(2, 2, 2, px, new int[] {3, 1}), ArrowDatasets.read(out));
    }

    @Test
    void readsAFileWrittenByAnotherArrowImplementation() throws Exception {
        // written by arrow-js in two record batches (see arrowjs/make-fixture.mjs)
        Path file = TestData.write(tmp, "arrowjs.arrow", TestData.resource("/dev/tinytrain/dataset/arrowjs/arrowjs-5x3x4.arrow"));
        ImageDataset ds = ArrowDatasets.read(file);
        assertEquals(5, ds.count());
        assertEquals(3, ds.rows());
        assertEquals(4, ds.cols());
        assertEquals(1, ds.channels());
        for (int i = 0; i < 5; i++) {
            assertEquals((i * 3) % 10, ds.label(i));
            byte[] img = ds.image(i);
            for (int p = 0; p < 12; p++) {
                assertEquals((i * 31 + p * 7) % 256, img[p] & 0xFF, "image " + i + " pixel " + p);
            }
        }
    }

    @Test
    void missingColumnNamesTheColumn() throws Exception {
        Schema s = new Schema(List.of(new Field("image", FieldType.nullable(new ArrowType.FixedSizeBinary(4)), null)),
                Map.of("rows", "2", "cols", "2", "channels", "1"));
        Path out = tmp.resolve("nolabel.arrow");
        writeRaw(s, out, false, root -> {
            ((FixedSizeBinaryVector) root.getVector("image")).allocateNew(0);
            root.setRowCount(0);
        });
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out));
        assertEquals("column 'label'", e.field());
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains(out.toString()), e.getMessage());
    }

    @Test
    void wrongLabelTypeNamesTheColumn() throws Exception {
        Schema s = new Schema(List.of(new Field("image", FieldType.nullable(new ArrowType.FixedSizeBinary(4)), null),
                new Field("label", FieldType.nullable(new ArrowType.Int(64, true)), null)),
                Map.of("rows", "2", "cols", "2", "channels", "1"));
        Path out = tmp.resolve("int64.arrow");
        writeRaw(s, out, false, root -> root.setRowCount(0));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out));
        assertEquals("column 'label'", e.field());
        assertTrue(e.getMessage().contains("Int(32, signed)"), e.getMessage());
    }

    @Test
    void wrongImageTypeNamesTheColumn() throws Exception {
        Schema s = new Schema(List.of(new Field("image", FieldType.nullable(new ArrowType.Binary()), null),
                new Field("label", FieldType.nullable(new ArrowType.Int(32, true)), null)),
                Map.of("rows", "2", "cols", "2", "channels", "1"));
        Path out = tmp.resolve("binary.arrow");
        writeRaw(s, out, false, root -> root.setRowCount(0));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out));
        assertEquals("column 'image'", e.field());

        Field child = new Field("item", FieldType.notNullable(new ArrowType.Int(8, true)), null);
        Schema s2 = new Schema(List.of(new Field("image", FieldType.nullable(new ArrowType.FixedSizeList(4)),
                List.of(child)), new Field("label", FieldType.nullable(new ArrowType.Int(32, true)), null)),
                Map.of("rows", "2", "cols", "2", "channels", "1"));
        Path out2 = tmp.resolve("int8list.arrow");
        writeRaw(s2, out2, false, root -> root.setRowCount(0));
        e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out2));
        assertEquals("column 'image'", e.field());
        assertTrue(e.getMessage().contains("Int(8, true)"), e.getMessage());
    }

    @Test
    void inconsistentSizesNameTheColumn() throws Exception {
        Schema s = new Schema(ArrowDatasets.schema(2, 2, 1).getFields(), Map.of("rows", "3", "cols", "2", "channels",
                "1"));
        Path out = tmp.resolve("sizes.arrow");
        writeRaw(s, out, false, root -> fill(root, new byte[4], new int[] {0}, 4));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out));
        assertEquals("column 'image'", e.field());
        assertTrue(e.getMessage().contains("inconsistent sizes") && e.getMessage().contains("3*2*1 = 6"),
                e.getMessage());
    }

    @Test
    void missingOrBadMetadataNamesTheKey() throws Exception {
        Schema s = new Schema(ArrowDatasets.schema(2, 2, 1).getFields(), Map.of("rows", "2", "cols", "2"));
        Path out = tmp.resolve("nometa.arrow");
        writeRaw(s, out, false, root -> root.setRowCount(0));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out));
        assertEquals("metadata 'channels'", e.field());

        Schema s2 = new Schema(ArrowDatasets.schema(2, 2, 1).getFields(), Map.of("rows", "two", "cols", "2",
                "channels", "1"));
        Path out2 = tmp.resolve("badmeta.arrow");
        writeRaw(s2, out2, false, root -> root.setRowCount(0));
        e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out2));
        assertEquals("metadata 'rows'", e.field());
    }

    @Test
    void nullsAreRejected() throws Exception {
        Schema s = new Schema(List.of(new Field("image", FieldType.nullable(new ArrowType.FixedSizeBinary(1)), null),
                new Field("label", FieldType.nullable(new ArrowType.Int(32, true)), null)),
                Map.of("rows", "1", "cols", "1", "channels", "1"));
        Path out = tmp.resolve("nulls.arrow");
        writeRaw(s, out, false, root -> {
            FixedSizeBinaryVector img = (FixedSizeBinaryVector) root.getVector("image");
            img.allocateNew(3);
            img.set(0, new byte[] {1});
            img.set(2, new byte[] {3});
            img.setNull(1);
            IntVector l = (IntVector) root.getVector("label");
            l.allocateNew(3);
            l.set(0, 0);
            l.set(1, 0);
            l.set(2, 0);
            root.setRowCount(3);
        });
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(out));
        assertEquals("column 'image'", e.field());
        assertTrue(e.getMessage().contains("row 1 is null"), e.getMessage());
    }

    @Test
    void notArrowAtAll() throws Exception {
        Path p = TestData.write(tmp, "junk.arrow", "definitely not arrow".getBytes());
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(p));
        assertEquals(p, e.file().orElseThrow());

        ImageDataset ds = ImageDataset.of(2, 2, 1, TestData.pixels(40, 1), new int[10]);
        Path good = tmp.resolve("good.arrow");
        ArrowDatasets.write(ds, good);
        byte[] b = Files.readAllBytes(good);
        Path cut = TestData.write(tmp, "cut.arrow", java.util.Arrays.copyOf(b, b.length / 2));
        e = assertThrows(DatasetFormatException.class, () -> ArrowDatasets.read(cut));
        assertEquals(cut, e.file().orElseThrow());
    }

    @Test
    void validateLabelsNamesRowAndValue() throws Exception {
        ImageDataset ds = ImageDataset.of(1, 1, 1, new byte[4], new int[] {0, 9, 10, -1});
        Path out = tmp.resolve("labels.arrow");
        ArrowDatasets.write(ds, out);
        ImageDataset read = ArrowDatasets.read(out);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read.validateLabels(10));
        assertEquals("label", e.field());
        assertEquals(out, e.file().orElseThrow());
        assertTrue(e.getMessage().contains("row 2 has label 10, outside [0, 10)")
                && e.getMessage().contains("2 of 4"), e.getMessage());
        e = assertThrows(DatasetFormatException.class, () -> read.validateLabels(11));
        assertTrue(e.getMessage().contains("row 3 has label -1"), e.getMessage());
        ImageDataset ok = ImageDataset.of(1, 1, 1, new byte[2], new int[] {0, 9});
        assertEquals(ok, ok.validateLabels(10));
    }

    // ---- helpers

    @FunctionalInterface
    interface Filler {
        void fill(VectorSchemaRoot root);
    }

    private static void fill(VectorSchemaRoot root, byte[] px, int[] labels, int size) {
        FixedSizeBinaryVector img = (FixedSizeBinaryVector) root.getVector("image");
        IntVector l = (IntVector) root.getVector("label");
        img.allocateNew(labels.length);
        l.allocateNew(labels.length);
        for (int i = 0; i < labels.length; i++) {
            img.set(i, java.util.Arrays.copyOfRange(px, i * size, (i + 1) * size));
            l.set(i, labels[i]);
        }
        root.setRowCount(labels.length);
    }

    private static void writeRaw(Schema schema, Path out, boolean stream, Filler filler) throws IOException {
        try (BufferAllocator a = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(schema, a);
             FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            for (FieldVector v : root.getFieldVectors()) {
                v.allocateNew();
            }
            filler.fill(root);
            if (stream) {
                try (ArrowStreamWriter w = new ArrowStreamWriter(root, null, ch)) {
                    w.start();
                    w.writeBatch();
                    w.end();
                }
            } else {
                try (ArrowFileWriter w = new ArrowFileWriter(root, null, ch)) {
                    w.start();
                    w.writeBatch();
                    w.end();
                }
            }
        }
    }

    private static void assertNoTempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> tmps = s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            assertTrue(tmps.isEmpty(), "temporary files left: " + tmps);
        }
    }
}
