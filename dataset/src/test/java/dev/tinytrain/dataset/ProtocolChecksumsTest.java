package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key test: the protocol's CHECKSUMS.txt. It hashes, for the first N images of a split,
 * <ul>
 * <li>{@code u8}: the resized images as uint8 {@code [N, 128, 128]} in C order (one channel), and</li>
 * <li>{@code q}: the int8 network inputs of one channel ({@code pixel_to_int8} of those bytes), as raw bytes;</li>
 * <li>{@code labels}: the first N labels as uint8.</li>
 * </ul>
 * The images go IDX → Arrow file → {@link ArrowDatasets#read} → {@link Preprocessor}, i.e. the whole path a
 * training run uses; the full 3-channel output is checked to be the q channel replicated.
 */
class ProtocolChecksumsTest {
    private static final String RESOURCE = "/dev/tinytrain/dataset/CHECKSUMS.txt";
    private static final Pattern IMAGES = Pattern.compile(
            "^(train|test)\\[:(\\d+)\\]\\s+u8\\s+([0-9a-f]{64})\\s+q\\s+([0-9a-f]{64})\\s*$");
    private static final Pattern LABELS = Pattern.compile(
            "^labels\\s+(train|test)\\[:(\\d+)\\]\\s+\\(u8\\)\\s+([0-9a-f]{64})\\s*$");

    record ImageSum(String split, int n, String u8, String q) {
    }

    record LabelSum(String split, int n, String sha) {
    }

    private static String checksumText() {
        return new String(TestData.resource(RESOURCE), StandardCharsets.UTF_8);
    }

    static List<ImageSum> imageSums(String text) {
        List<ImageSum> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = IMAGES.matcher(line.trim());
            if (m.matches()) {
                out.add(new ImageSum(m.group(1), Integer.parseInt(m.group(2)), m.group(3), m.group(4)));
            }
        }
        return out;
    }

    static List<LabelSum> labelSums(String text) {
        List<LabelSum> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = LABELS.matcher(line.trim());
            if (m.matches()) {
                out.add(new LabelSum(m.group(1), Integer.parseInt(m.group(2)), m.group(3)));
            }
        }
        return out;
    }

    @Test
    void bundledChecksumCopyParsesAndEqualsShared() throws Exception {
        String text = checksumText();
        assertEquals(4, imageSums(text).size(), "image checksum lines in " + RESOURCE);
        assertEquals(2, labelSums(text).size(), "label checksum lines in " + RESOURCE);
        Path shared = TestData.protocolDir().resolve("CHECKSUMS.txt");
        assertArrayEquals(Files.readAllBytes(shared), TestData.resource(RESOURCE),
                "test copy of CHECKSUMS.txt differs from " + shared);
    }

    @Test
    void preprocessedImagesMatchProtocolChecksums(@TempDir Path tmp) throws Exception {
        Path dir = TestData.fashionMnistDir();
        String text = checksumText();
        List<ImageSum> sums = imageSums(text);
        List<LabelSum> labelSums = labelSums(text);
        assertEquals(4, sums.size());

        Preprocessor pre = Preprocessor.protocol();
        int checked = 0;
        for (String split : List.of("train", "test")) {
            Path images = dir.resolve(split.equals("train") ? FashionMnistProtocol.TRAIN_IMAGES
                    : FashionMnistProtocol.TEST_IMAGES);
            Path labels = dir.resolve(split.equals("train") ? FashionMnistProtocol.TRAIN_LABELS
                    : FashionMnistProtocol.TEST_LABELS);
            ImageDataset idx = IdxReader.readDataset(images, labels);
            assertEquals(split.equals("train") ? 60000 : 10000, idx.count());
            assertEquals(28, idx.rows());
            assertEquals(28, idx.cols());

            Path arrow = tmp.resolve(split + ".arrow");
            assertEquals(idx.count(), ArrowDatasets.writeIdxAsArrow(images, labels, arrow));
            ImageDataset ds = ArrowDatasets.read(arrow).validateLabels(FashionMnistProtocol.NUM_CLASSES);
            assertEquals(idx, ds, "Arrow round trip of the " + split + " set");

            List<ImageSum> mine = sums.stream().filter(s -> s.split().equals(split)).toList();
            int maxN = mine.stream().mapToInt(ImageSum::n).max().orElse(0);
            MessageDigest u8 = MessageDigest.getInstance("SHA-256");
            MessageDigest q = MessageDigest.getInstance("SHA-256");
            int r = Preprocessor.DEFAULT_SIZE;
            byte[] qPlane = new byte[r * r];
            for (int i = 0; i < maxN; i++) {
                byte[] img = ds.image(i);
                byte[] resized = pre.resize(img, ds.rows(), ds.cols(), ds.channels());
                byte[] input = pre.preprocess(img, ds.rows(), ds.cols(), ds.channels(), false);
                for (int p = 0; p < r * r; p++) {
                    byte v = input[3 * p];
                    if (v != input[3 * p + 1] || v != input[3 * p + 2] || v != pre.table().q(resized[p] & 0xFF)) {
                        throw new AssertionError(split + " image " + i + " pixel " + p
                                + ": the 3 channels are not the q of the resized pixel");
                    }
                    qPlane[p] = v;
                }
                u8.update(resized);
                q.update(qPlane);
                for (ImageSum s : mine) {
                    if (s.n() == i + 1) {
                        String gotU8 = hex(((MessageDigest) u8.clone()).digest());
                        String gotQ = hex(((MessageDigest) q.clone()).digest());
                        System.out.printf("%s[:%d] u8 %s %s%n", split, s.n(), gotU8,
                                gotU8.equals(s.u8()) ? "OK" : "MISMATCH");
                        System.out.printf("%s[:%d] q  %s %s%n", split, s.n(), gotQ,
                                gotQ.equals(s.q()) ? "OK" : "MISMATCH");
                        assertEquals(s.u8(), gotU8, split + "[:" + s.n() + "] u8 (resized uint8) sha256");
                        assertEquals(s.q(), gotQ, split + "[:" + s.n() + "] q (int8 input) sha256");
                        checked++;
                    }
                }
            }
            for (LabelSum s : labelSums) {
                if (s.split().equals(split)) {
                    byte[] l = new byte[s.n()];
                    for (int i = 0; i < s.n(); i++) {
                        l[i] = (byte) ds.label(i);
                    }
                    String got = hex(MessageDigest.getInstance("SHA-256").digest(l));
                    System.out.printf("labels %s[:%d] %s %s%n", split, s.n(), got, got.equals(s.sha()) ? "OK"
                            : "MISMATCH");
                    assertEquals(s.sha(), got, "labels " + split + "[:" + s.n() + "] sha256");
                    checked++;
                }
            }
        }
        assertEquals(6, checked, "every line of CHECKSUMS.txt was checked");
        assertTrue(Files.list(tmp).noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
