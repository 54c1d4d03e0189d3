package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
    @TempDir
    Path tmp;

    private static final int N = 5;
    private static final int ROWS = 4;
    private static final int COLS = 3;

    private byte[] imageFile(byte[] pixels) {
        return TestData.idx(IdxReader.IMAGES_MAGIC, new int[] {N, ROWS, COLS}, pixels);
    }

    private byte[] labelFile(byte[] labels) {
        return TestData.idx(IdxReader.LABELS_MAGIC, new int[] {labels.length}, labels);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsImagesAndLabels(boolean gz) throws Exception {
        byte[] px = TestData.pixels(N * ROWS * COLS, 7);
        byte[] lab = {0, 9, (byte) 200, 3, 4};
        byte[] img = imageFile(px);
        byte[] labF = labelFile(lab);
        Path ip = TestData.write(tmp, "img" + (gz ? ".gz" : ""), gz ? TestData.gzip(img) : img);
        Path lp = TestData.write(tmp, "lab", gz ? TestData.gzip(labF) : labF);

        IdxImages images = IdxReader.readImages(ip);
        assertEquals(N, images.count());
        assertEquals(ROWS, images.rows());
        assertEquals(COLS, images.cols());
        assertArrayEquals(px, images.pixels());
        assertArrayEquals(Arrays.copyOfRange(px, ROWS * COLS, 2 * ROWS * COLS), images.image(1));

        IdxLabels labels = IdxReader.readLabels(lp);
        assertArrayEquals(new int[] {0, 9, 200, 3, 4}, labels.labels(), "labels are unsigned");

        ImageDataset ds = IdxReader.readDataset(ip, lp);
        assertEquals(images.toDataset(labels), ds);
        assertEquals(1, ds.channels());
        assertEquals(200, ds.label(2));
        assertEquals(ip, ds.source().orElseThrow());
    }

    @Test
    void gzipIsDetectedByContentNotName() throws Exception {
        byte[] px = TestData.pixels(N * ROWS * COLS, 1);
        Path gzNoExt = TestData.write(tmp, "images-plain-name", TestData.gzip(imageFile(px)));
        Path plainGzExt = TestData.write(tmp, "images.gz", imageFile(px));
        assertArrayEquals(px, IdxReader.readImages(gzNoExt).pixels());
        assertArrayEquals(px, IdxReader.readImages(plainGzExt).pixels());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void truncatedDataIsReported(boolean gz) throws Exception {
        byte[] full = imageFile(TestData.pixels(N * ROWS * COLS, 2));
        byte[] cut = Arrays.copyOf(full, full.length - 7);
        Path p = TestData.write(tmp, "cut", gz ? TestData.gzip(cut) : cut);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
        assertEquals("data", e.field());
        assertEquals(p, e.file().orElseThrow());
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(p.toString())
                && e.getMessage().contains("53"), e.getMessage());
    }

    @Test
    void truncatedHeaderIsReported() throws Exception {
        byte[] full = imageFile(TestData.pixels(N * ROWS * COLS, 2));
        Path p = TestData.write(tmp, "hdr", Arrays.copyOf(full, 9));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
        assertEquals("dims", e.field());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path tiny = TestData.write(tmp, "tiny", new byte[] {0, 0});
        assertEquals("magic", assertThrows(IdxFormatException.class, () -> IdxReader.readImages(tiny)).field());
        Path empty = TestData.write(tmp, "empty", new byte[0]);
        assertEquals("magic", assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(empty)).field());
    }

    @Test
    void truncatedGzipStreamIsReported() throws Exception {
        byte[] gz = TestData.gzip(imageFile(TestData.pixels(N * ROWS * COLS, 3)));
        Path p = TestData.write(tmp, "cut.gz", Arrays.copyOf(gz, gz.length - 12));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        // only the 8-byte gzip trailer missing: the data is all there, the stream still is not
        Path p2 = TestData.write(tmp, "notrailer.gz", Arrays.copyOf(gz, gz.length - 8));
        IdxFormatException e2 = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p2));
        assertTrue(e2.getMessage().contains("truncated gzip"), e2.getMessage());
    }

    @Test
    void corruptGzipIsReported() throws Exception {
        byte[] gz = TestData.gzip(imageFile(TestData.pixels(N * ROWS * COLS, 3)));
        for (int i = 12; i < gz.length - 8; i++) {
            gz[i] ^= (byte) 0x5A;
        }
        Path p = TestData.write(tmp, "bad.gz", gz);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void wrongMagicIsReported() throws Exception {
        Path labels = TestData.write(tmp, "labels", labelFile(new byte[] {1, 2, 3}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(labels));
        assertEquals("magic", e.field());
        assertTrue(e.getMessage().contains("0x00000803") && e.getMessage().contains("0x00000801")
                && e.getMessage().contains("label file"), e.getMessage());

        Path images = TestData.write(tmp, "images", imageFile(TestData.pixels(N * ROWS * COLS, 4)));
        e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(images));
        assertEquals("magic", e.field());

        Path text = TestData.write(tmp, "text", "hello, this is not IDX".getBytes());
        e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(text));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());

        Path floats = TestData.write(tmp, "floats", TestData.idx(0x00000D03, new int[] {1, 1, 1}, new byte[4]));
        e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(floats));
        assertTrue(e.getMessage().contains("element type 0x0d"), e.getMessage());
    }

    @Test
    void trailingBytesAreReported() throws Exception {
        byte[] full = imageFile(TestData.pixels(N * ROWS * COLS, 5));
        Path p = TestData.write(tmp, "long", Arrays.copyOf(full, full.length + 3));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
        assertEquals("data", e.field());
        assertTrue(e.getMessage().contains("3 trailing"), e.getMessage());
    }

    @Test
    void zeroImageDimensionAndHugeSizesAreReported() throws Exception {
        Path zero = TestData.write(tmp, "zero", TestData.idx(IdxReader.IMAGES_MAGIC, new int[] {1, 0, 5}, new byte[0]));
        assertEquals("dims[1]", assertThrows(IdxFormatException.class, () -> IdxReader.readImages(zero)).field());
        Path huge = TestData.write(tmp, "huge",
                TestData.idx(IdxReader.IMAGES_MAGIC, new int[] {100000, 1000, 1000}, new byte[10]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(huge));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void countMismatchBetweenImagesAndLabelsIsReported() throws Exception {
        Path ip = TestData.write(tmp, "img", imageFile(TestData.pixels(N * ROWS * COLS, 6)));
        Path lp = TestData.write(tmp, "lab", labelFile(new byte[] {1, 2, 3}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readDataset(ip, lp));
        assertEquals(lp, e.file().orElseThrow());
        assertTrue(e.getMessage().contains("3 labels") && e.getMessage().contains("5 images"), e.getMessage());
    }

    @Test
    void emptyFilesWithZeroItemsAreFine() throws Exception {
        Path ip = TestData.write(tmp, "img", TestData.idx(IdxReader.IMAGES_MAGIC, new int[] {0, 28, 28}, new byte[0]));
        Path lp = TestData.write(tmp, "lab", TestData.idx(IdxReader.LABELS_MAGIC, new int[] {0}, new byte[0]));
        ImageDataset ds = IdxReader.readDataset(ip, lp);
        assertEquals(0, ds.count());
        assertEquals(28, ds.rows());
    }
}
