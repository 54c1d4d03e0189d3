package dev.tinytrain.dataset;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Where the test data lives, and synthetic IDX files. */
final class TestData {
    private TestData() {
    }

    /** True when the environment variable CI is set (to anything but the empty string). */
    static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isEmpty();
    }

    /**
     * The Debian {@code dataset-fashion-mnist} folder: skipped with a message when it is absent, but a failure
     * when CI is set (CI must install the package).
     */
    static Path fashionMnistDir() {
        String override = System.getProperty("tinytrain.fashionMnistDir");
        Path dir = override != null ? Path.of(override) : FashionMnistProtocol.DEBIAN_DIR;
        boolean present = Files.isRegularFile(dir.resolve(FashionMnistProtocol.TRAIN_IMAGES));
        String msg = dir + " is absent: install it with `apt-get install -y dataset-fashion-mnist`";
        if (!present && inCi()) {
            fail(msg + " (CI is set, so this is a failure, not a skip)");
        }
        assumeTrue(present, msg + "; skipping the Fashion-MNIST protocol test");
        return dir;
    }

    /** The project's shared/ folder (system property tinytrain.shared, set by the parent POM); skip if absent. */
    static Path sharedDir() {
        String p = System.getProperty("tinytrain.shared");
        Path dir = p == null ? null : Path.of(p);
        assumeTrue(dir != null && Files.isDirectory(dir), "shared folder " + p + " is absent; skipping");
        return dir;
    }

    static Path protocolDir() {
        Path dir = sharedDir().resolve("bench/fashion-mnist-protocol");
        assumeTrue(Files.isDirectory(dir), dir + " is absent; skipping");
        return dir;
    }

    static byte[] resource(String name) {
        try (InputStream in = TestData.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of an IDX file with the given magic and dimensions, then data. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    /** Deterministic pseudo-random pixels. */
    static byte[] pixels(int n, long seed) {
        byte[] out = new byte[n];
        new java.util.SplittableRandom(seed).nextBytes(out);
        return out;
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }
}
