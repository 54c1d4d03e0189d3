package dev.tinytrain.dataset;

import dev.tinytrain.fileio.InputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The order in which one epoch visits the training images: a permutation of {@code 0..N-1}.
 *
 * <p>Two sources:
 * <ul>
 * <li>the protocol's files {@code perm_n<N>_epoch<e>.i32} — little-endian int32 indices made with numpy
 * {@code default_rng(0)}, one {@code permutation(N)} per epoch; their sha256 are listed in
 * {@code perms.json} ({@link #read(Path, int, String)}, {@link #readProtocol(Path, int, int)});</li>
 * <li>seeded shuffling in Java ({@link #seeded}, {@link #seededEpochs}), when the numpy orders are not
 * needed. It is a Fisher–Yates shuffle of the identity driven by {@code new SplittableRandom(seed)}:
 * <pre>
 *   int[] a = {0, 1, ..., n-1};
 *   for (int i = n - 1; i &gt; 0; i--) { int j = rnd.nextInt(i + 1); swap(a, i, j); }
 * </pre>
 * For several epochs one generator is used throughout and each epoch shuffles a fresh identity, so epoch
 * {@code e} of {@code seededEpochs(n, seed, E)} does not depend on {@code E}. The result is fixed by the
 * seed for every Java version (SplittableRandom's algorithm is specified).</li>
 * </ul>
 *
 * <p>Immutable: the array is copied on construction and by {@link #indices()}.
 *
 * @param indices the visiting order; a permutation of {@code 0..indices.length-1}
 */
public record TrainingOrder(int[] indices) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Validates and copies the order.
     *
     * @throws IllegalArgumentException if {@code indices} is not a permutation of {@code 0..length-1}
     * @param indices see the record component
     */
    public TrainingOrder {
        indices = indices.clone();
        String problem = permutationProblem(indices);
        if (problem != null) {
            throw new IllegalArgumentException("not a permutation: " + problem);
        }
    }

    /** @return a copy of the order */
    @Override
    public int[] indices() {
        return indices.clone();
    }

    /** @return N, the number of steps of the epoch */
    public int size() {
        return indices.length;
    }

    /**
     * @param step step in {@code [0, N)}
     * @return the image visited at that step
     */
    public int get(int step) {
        return indices[step];
    }

    /** @return the order as a stream */
    public IntStream stream() {
        return Arrays.stream(indices);
    }

    /**
     * The protocol's file name for a permutation.
     *
     * @param n     number of training images
     * @param epoch epoch, from 1
     * @return {@code perm_n<n>_epoch<epoch>.i32}
     */
    public static String fileName(int n, int epoch) {
        return "perm_n" + n + "_epoch" + epoch + ".i32";
    }

    /**
     * Reads a little-endian int32 permutation file whose length gives N.
     *
     * @param file the file
     * @return the order
     * @throws InvalidPermutationException if the length is not a multiple of 4 or it is not a permutation
     * @throws IOException                 if the file cannot be read
     */
    public static TrainingOrder read(Path file) throws IOException {
        return read(file, -1, null);
    }

    /**
     * Reads a permutation file and checks it has {@code n} entries.
     *
     * @param file the file
     * @param n    expected N
     * @return the order
     * @throws InvalidPermutationException if it has another length or is not a permutation of {@code 0..n-1}
     * @throws IOException                 if the file cannot be read
     */
    public static TrainingOrder read(Path file, int n) throws IOException {
        return read(file, n, null);
    }

    /**
     * Reads a permutation file, checks its length and, if {@code expectedSha256} is given, the sha256 of the
     * whole file.
     *
     * @param file           the file
     * @param n              expected N, or -1 to take it from the file length
     * @param expectedSha256 lowercase or uppercase hex sha256 of the file, or {@code null} not to check
     * @return the order
     * @throws InvalidPermutationException if the sha256, length or content is wrong
     * @throws IOException                 if the file cannot be read
     */
    public static TrainingOrder read(Path file, int n, String expectedSha256) throws IOException {
        byte[] bytes = InputFiles.readAllBytes(file, InputFiles.ARRAY_LIMIT);
        if (expectedSha256 != null) {
            String actual = sha256Hex(bytes);
            if (!actual.equals(expectedSha256.trim().toLowerCase(Locale.ROOT))) {
                throw new InvalidPermutationException(file, "sha256", "is " + actual + ", expected "
                        + expectedSha256.trim());
            }
        }
        if (bytes.length % 4 != 0) {
            throw new InvalidPermutationException(file, "length", bytes.length
                    + " bytes is not a whole number of int32 values");
        }
        int count = bytes.length / 4;
        if (n >= 0 && count != n) {
            throw new InvalidPermutationException(file, "length", count + " indices (" + bytes.length
                    + " bytes), expected N = " + n);
        }
        int[] idx = new int[count];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(idx);
        String problem = permutationProblem(idx);
        if (problem != null) {
            throw new InvalidPermutationException(file, "indices", "not a permutation of 0.." + (count - 1) + ": "
                    + problem);
        }
        return new TrainingOrder(idx);
    }

    /**
     * Reads a permutation file and verifies it against a {@code perms.json} manifest, which maps file names to
     * {@code {"sha256": hex, "first10": [...]}}: the file's own name must be listed, and its sha256 and (if
     * listed) first indices must match.
     *
     * @param file      the permutation file
     * @param permsJson the manifest
     * @return the order
     * @throws InvalidPermutationException if the file is not listed or does not match
     * @throws DatasetFormatException      if the manifest is malformed
     * @throws IOException                 if a file cannot be read
     */
    public static TrainingOrder readVerified(Path file, Path permsJson) throws IOException {
        String name = file.getFileName().toString();
        JsonNode root;
        try (InputStream in = InputFiles.open(permsJson)) {
            root = JSON.readTree(in);
        } catch (JacksonException e) {
            throw new DatasetFormatException(permsJson, "json", "malformed JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode entry = root == null ? null : root.get(name);
        if (entry == null || !entry.isObject()) {
            throw new InvalidPermutationException(file, "sha256", "not listed in " + permsJson);
        }
        JsonNode sha = entry.get("sha256");
        if (sha == null || !sha.isTextual()) {
            throw new DatasetFormatException(permsJson, name + ".sha256", "missing or not a string");
        }
        TrainingOrder order = read(file, -1, sha.asText());
        JsonNode first = entry.get("first10");
        if (first != null && first.isArray()) {
            for (int i = 0; i < first.size() && i < order.size(); i++) {
                if (first.get(i).asInt() != order.get(i)) {
                    throw new InvalidPermutationException(file, "index[" + i + "]", "is " + order.get(i)
                            + " but " + permsJson + " lists " + first.get(i));
                }
            }
        }
        return order;
    }

    /**
     * Reads {@code <protocolDir>/perm_n<n>_epoch<epoch>.i32}; when {@code <protocolDir>/perms.json} exists, it
     * is verified against it as by {@link #readVerified}.
     *
     * @param protocolDir the protocol folder ({@code shared/bench/fashion-mnist-protocol})
     * @param n           number of training images
     * @param epoch       epoch, from 1
     * @return the order
     * @throws java.nio.file.NoSuchFileException if the protocol has no permutation for that N and epoch
     * @throws InvalidPermutationException       if it is not valid
     * @throws IOException                       if a file cannot be read
     */
    public static TrainingOrder readProtocol(Path protocolDir, int n, int epoch) throws IOException {
        Path file = protocolDir.resolve(fileName(n, epoch));
        Path perms = protocolDir.resolve("perms.json");
        TrainingOrder order = Files.exists(perms) ? readVerified(file, perms) : read(file, n);
        if (order.size() != n) {
            throw new InvalidPermutationException(file, "length", order.size() + " indices, expected N = " + n);
        }
        return order;
    }

    /**
     * A seeded shuffle of {@code 0..n-1} (Fisher–Yates with {@code new SplittableRandom(seed)}, see the class
     * comment); equal to {@code seededEpochs(n, seed, 1).get(0)}.
     *
     * @param n    number of items (≥ 0)
     * @param seed the seed
     * @return the order
     */
    public static TrainingOrder seeded(int n, long seed) {
        return seededEpochs(n, seed, 1).get(0);
    }

    /**
     * Orders for {@code epochs} epochs from one {@code SplittableRandom(seed)}, each a Fisher–Yates shuffle of
     * a fresh identity (see the class comment).
     *
     * @param n      number of items (≥ 0)
     * @param seed   the seed
     * @param epochs number of epochs (≥ 1)
     * @return one order per epoch, epoch 1 first
     */
    public static List<TrainingOrder> seededEpochs(int n, long seed, int epochs) {
        if (n < 0 || epochs < 1) {
            throw new IllegalArgumentException("need n >= 0 and epochs >= 1, got n=" + n + " epochs=" + epochs);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<TrainingOrder> out = new ArrayList<>(epochs);
        for (int e = 0; e < epochs; e++) {
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
            out.add(new TrainingOrder(a));
        }
        return List.copyOf(out);
    }

    /** @return the sha256 of the order as the protocol stores it (little-endian int32), lowercase hex */
    public String sha256() {
        ByteBuffer b = ByteBuffer.allocate(indices.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(indices);
        return sha256Hex(b.array());
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return null if {@code a} is a permutation of 0..length-1, else what is wrong */
    private static String permutationProblem(int[] a) {
        int[] seenAt = new int[a.length];
        Arrays.fill(seenAt, -1);
        for (int i = 0; i < a.length; i++) {
            int v = a[i];
            if (v < 0 || v >= a.length) {
                return "index[" + i + "] = " + v + " is outside [0, " + a.length + ")";
            }
            if (seenAt[v] >= 0) {
                return "index[" + i + "] = " + v + " repeats index[" + seenAt[v] + "]";
            }
            seenAt[v] = i;
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingOrder other && Arrays.equals(indices, other.indices);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(indices);
    }

    @Override
    public String toString() {
        int k = Math.min(10, indices.length);
        return "TrainingOrder[n=" + indices.length + ", first=" + Arrays.toString(Arrays.copyOf(indices, k)) + "]";
    }
}
