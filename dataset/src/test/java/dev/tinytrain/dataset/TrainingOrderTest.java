package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainingOrderTest {
    @TempDir
    Path tmp;

    private static byte[] le(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        return b.array();
    }

    @Test
    void readsLittleEndianPermutation() throws Exception {
        Path p = TestData.write(tmp, "perm_n5_epoch1.i32", le(3, 0, 4, 1, 2));
        TrainingOrder o = TrainingOrder.read(p, 5);
        assertArrayEquals(new int[] {3, 0, 4, 1, 2}, o.indices());
        assertEquals(5, o.size());
        assertEquals(4, o.get(2));
        assertEquals(o, TrainingOrder.read(p));
        assertEquals(o.sha256(), java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        assertEquals(o, TrainingOrder.read(p, 5, o.sha256().toUpperCase()));
    }

    @Test
    void rejectsNonPermutations() throws Exception {
        Path dup = TestData.write(tmp, "dup.i32", le(0, 1, 1, 3));
        InvalidPermutationException e = assertThrows(InvalidPermutationException.class, () -> TrainingOrder.read(dup));
        assertTrue(e.getMessage().contains("index[2] = 1 repeats index[1]") && e.getMessage().contains(dup.toString()),
                e.getMessage());

        Path range = TestData.write(tmp, "range.i32", le(0, 1, 4, 2));
        e = assertThrows(InvalidPermutationException.class, () -> TrainingOrder.read(range));
        assertTrue(e.getMessage().contains("index[2] = 4 is outside [0, 4)"), e.getMessage());

        Path neg = TestData.write(tmp, "neg.i32", le(0, -1));
        assertThrows(InvalidPermutationException.class, () -> TrainingOrder.read(neg));

        Path odd = TestData.write(tmp, "odd.i32", new byte[] {0, 0, 0, 0, 1, 0});
        e = assertThrows(InvalidPermutationException.class, () -> TrainingOrder.read(odd));
        assertEquals("length", e.field());

        Path ok = TestData.write(tmp, "ok.i32", le(1, 0, 2));
        e = assertThrows(InvalidPermutationException.class, () -> TrainingOrder.read(ok, 4));
        assertEquals("length", e.field());
        assertTrue(e.getMessage().contains("expected N = 4"), e.getMessage());

        e = assertThrows(InvalidPermutationException.class, () -> TrainingOrder.read(ok, 3, "00".repeat(32)));
        assertEquals("sha256", e.field());

        Path bigEndian = TestData.write(tmp, "be.i32", ByteBuffer.allocate(8).putInt(1).putInt(0).array());
        assertThrows(InvalidPermutationException.class, () -> TrainingOrder.read(bigEndian),
                "big-endian data is not a permutation when read little-endian");

        assertThrows(IllegalArgumentException.class, () -> new TrainingOrder(new int[] {0, 0}));
    }

    @Test
    void recordIsImmutable() {
        int[] a = {1, 0};
        TrainingOrder o = new TrainingOrder(a);
        a[0] = 0;
        o.indices()[0] = 0;
        assertArrayEquals(new int[] {1, 0}, o.indices());
    }

    @Test
    void seededShuffleIsTheDocumentedFisherYates() {
        for (long seed : new long[] {0, 1, 42, -7}) {
            int n = 1000;
            SplittableRandom rnd = new SplittableRandom(seed);
            for (TrainingOrder got : TrainingOrder.seededEpochs(n, seed, 3)) {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = i;
                }
                for (int i = n - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                }
                assertArrayEquals(a, got.indices());
            }
        }
        // pinned, so that a change of algorithm cannot pass unnoticed
        assertArrayEquals(new int[] {2, 9, 0, 7, 6, 1, 5, 3, 4, 8}, TrainingOrder.seeded(10, 0).indices());
        assertEquals("955c2815e8d576bdd3fd0db857742d18d392ab9dbd81e667fed1865391bb585b",
                TrainingOrder.seeded(2000, 0).sha256());
    }

    @Test
    void seededEpochsAreStableAndDistinct() {
        List<TrainingOrder> three = TrainingOrder.seededEpochs(500, 9, 3);
        List<TrainingOrder> five = TrainingOrder.seededEpochs(500, 9, 5);
        assertEquals(three, five.subList(0, 3), "epoch e does not depend on the number of epochs");
        assertEquals(TrainingOrder.seeded(500, 9), three.get(0));
        assertNotEquals(three.get(0), three.get(1));
        assertNotEquals(TrainingOrder.seeded(500, 9), TrainingOrder.seeded(500, 10));
        assertEquals(0, TrainingOrder.seeded(0, 1).size());
        assertEquals(1, TrainingOrder.seeded(1, 1).size());
    }

    @ParameterizedTest
    @CsvSource({"2000,1", "10000,1", "10000,2", "10000,3"})
    void protocolPermutationsMatchPermsJson(int n, int epoch) throws Exception {
        Path dir = TestData.protocolDir();
        TrainingOrder o = TrainingOrder.readProtocol(dir, n, epoch);
        assertEquals(n, o.size());
        assertEquals(TrainingOrder.fileName(n, epoch), "perm_n" + n + "_epoch" + epoch + ".i32");
        com.fasterxml.jackson.databind.JsonNode entry = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("perms.json").toFile()).get(TrainingOrder.fileName(n, epoch));
        assertEquals(entry.get("sha256").asText(), o.sha256());
        assertEquals(entry.get("first10").get(0).asInt(), o.get(0));
    }

    @Test
    void readVerifiedDetectsATamperedFile() throws Exception {
        Path dir = TestData.protocolDir();
        byte[] bytes = Files.readAllBytes(dir.resolve("perm_n2000_epoch1.i32"));
        // swap two entries: still a permutation, but not the protocol's
        byte[] swapped = bytes.clone();
        System.arraycopy(bytes, 0, swapped, 4, 4);
        System.arraycopy(bytes, 4, swapped, 0, 4);
        Path copy = TestData.write(tmp, "perm_n2000_epoch1.i32", swapped);
        InvalidPermutationException e = assertThrows(InvalidPermutationException.class,
                () -> TrainingOrder.readVerified(copy, dir.resolve("perms.json")));
        assertEquals("sha256", e.field());
        Path unlisted = TestData.write(tmp, "perm_n7_epoch1.i32", le(0, 1, 2, 3, 4, 5, 6));
        assertThrows(InvalidPermutationException.class,
                () -> TrainingOrder.readVerified(unlisted, dir.resolve("perms.json")));
        Path intact = TestData.write(Files.createDirectory(tmp.resolve("intact")), "perm_n2000_epoch1.i32", bytes);
        assertEquals(TrainingOrder.read(dir.resolve("perm_n2000_epoch1.i32"), 2000),
                TrainingOrder.readVerified(intact, dir.resolve("perms.json")));
    }
}
