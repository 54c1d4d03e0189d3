package dev.tinytrain.dataset;

import dev.tinytrain.fileio.InputFiles;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST container format), plain or gzip-compressed.
 *
 * <p>An IDX file is a big-endian header followed by the data, row-major:
 * <pre>
 *   bytes 0-1  0x00 0x00
 *   byte  2    element type: 0x08 = unsigned byte (the only type read here)
 *   byte  3    number of dimensions d
 *   4*d bytes  dimension sizes, big-endian uint32
 *   data       product(dims) elements
 * </pre>
 * Image files have magic {@code 0x00000803} ({@code [n, rows, cols]}), label files {@code 0x00000801}
 * ({@code [n]}). Compression is detected from the content (gzip magic {@code 1f 8b}), not the file name.
 * The data must be exactly as long as the header says: a short file is reported as truncated, extra bytes
 * as trailing data. Every problem is an {@link IdxFormatException} naming the file and header entry.
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int UBYTE = 0x08;

    private IdxReader() {
    }

    /**
     * Reads an IDX image file.
     *
     * @param file path of the file, gzipped or not
     * @return the images
     * @throws IdxFormatException if the file is not a well-formed uint8 IDX file of rank 3
     * @throws IOException        if the file cannot be read
     */
    public static IdxImages readImages(Path file) throws IOException {
        Raw raw = read(file, IMAGES_MAGIC);
        return new IdxImages(raw.dims[0], raw.dims[1], raw.dims[2], raw.data);
    }

    /**
     * Reads an IDX label file.
     *
     * @param file path of the file, gzipped or not
     * @return the labels (each in {@code [0, 255]})
     * @throws IdxFormatException if the file is not a well-formed uint8 IDX file of rank 1
     * @throws IOException        if the file cannot be read
     */
    public static IdxLabels readLabels(Path file) throws IOException {
        return new IdxLabels(toInts(read(file, LABELS_MAGIC).data));
    }

    /**
     * Reads an image file and its label file into a single-channel dataset.
     *
     * @param images IDX image file
     * @param labels IDX label file
     * @return the dataset ({@code channels = 1})
     * @throws IdxFormatException if a file is malformed or the two counts differ (reported on the label file,
     *                            field {@code dims[0]})
     * @throws IOException        if a file cannot be read
     */
    public static ImageDataset readDataset(Path images, Path labels) throws IOException {
        Raw img = read(images, IMAGES_MAGIC);
        Raw lab = read(labels, LABELS_MAGIC);
        if (img.dims[0] != lab.dims[0]) {
            throw new IdxFormatException(labels, "dims[0]", lab.dims[0] + " labels but " + images + " has "
                    + img.dims[0] + " images");
        }
        return ImageDataset.adopt(img.dims[1], img.dims[2], 1, img.data, toInts(lab.data), images);
    }

    private static int[] toInts(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    /** DEFLATE's largest expansion is 1032:1; a bigger claim is a lie. */
    private static final long MAX_GZIP_RATIO = 1032;

    private record Raw(int[] dims, byte[] data) {
    }

    private static Raw read(Path file, int expectedMagic) throws IOException {
        long size = InputFiles.requireRegular(file); // a pipe or a device is refused, never waited on
        boolean gz;
        try (InputStream probe = Files.newInputStream(file)) {
            gz = probe.read() == 0x1f && probe.read() == 0x8b;
        }
        try (InputStream in = open(file, gz)) {
            return parse(file, size, in, gz, expectedMagic);
        } catch (ZipException e) {
            throw new IdxFormatException(file, "gzip", "corrupt gzip data: " + e.getMessage(), e);
        }
    }

    private static InputStream open(Path file, boolean gz) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (!gz) {
            return raw;
        }
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (IOException e) {
            raw.close();
            throw new IdxFormatException(file, "gzip", "bad gzip header: " + e.getMessage(), e);
        }
    }

    private static Raw parse(Path file, long fileSize, InputStream in, boolean gz, int expectedMagic)
            throws IOException {
        String kind = expectedMagic == IMAGES_MAGIC ? "image" : "label";
        int expectedRank = expectedMagic & 0xFF;
        byte[] head = new byte[4];
        int got = readFully(file, in, head, 4, gz, "magic", "the 4-byte magic number");
        if (got < 4) {
            throw new IdxFormatException(file, "magic", "truncated: file has " + got
                    + " bytes, too short for the 4-byte IDX magic number");
        }
        int magic = ((head[0] & 0xFF) << 24) | ((head[1] & 0xFF) << 16) | ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
        if (magic != expectedMagic) {
            String what;
            if (magic == IMAGES_MAGIC) {
                what = " (an IDX image file)";
            } else if (magic == LABELS_MAGIC) {
                what = " (an IDX label file)";
            } else if (head[0] != 0 || head[1] != 0) {
                what = " (not an IDX file)";
            } else if ((head[2] & 0xFF) != UBYTE) {
                what = String.format(" (IDX element type 0x%02x; only 0x08 = unsigned byte is supported)",
                        head[2] & 0xFF);
            } else {
                what = " (unsigned-byte IDX of rank " + (head[3] & 0xFF) + ", expected rank " + expectedRank + ")";
            }
            throw new IdxFormatException(file, "magic", String.format(
                    "expected 0x%08x for an IDX %s file, found 0x%08x%s", expectedMagic, kind, magic, what));
        }
        byte[] dimBytes = new byte[4 * expectedRank];
        got = readFully(file, in, dimBytes, dimBytes.length, gz, "dims", "the dimension sizes");
        if (got < dimBytes.length) {
            throw new IdxFormatException(file, "dims", "truncated header: expected " + expectedRank
                    + " dimension sizes (" + dimBytes.length + " bytes), found " + got + " bytes");
        }
        int[] dims = new int[expectedRank];
        long total = 1;
        for (int d = 0; d < expectedRank; d++) {
            long v = ((dimBytes[4 * d] & 0xFFL) << 24) | ((dimBytes[4 * d + 1] & 0xFFL) << 16)
                    | ((dimBytes[4 * d + 2] & 0xFFL) << 8) | (dimBytes[4 * d + 3] & 0xFFL);
            if (d > 0 && v == 0) {
                throw new IdxFormatException(file, "dims[" + d + "]", "image dimension is 0");
            }
            if (v > Integer.MAX_VALUE) {
                throw new IdxFormatException(file, "dims[" + d + "]", "size " + v + " is too large");
            }
            dims[d] = (int) v;
            total *= v;
            if (total > Integer.MAX_VALUE - 16) {
                throw new IdxFormatException(file, "dims", "data of " + total
                        + "+ bytes is too large for one array (limit 2^31-17)");
            }
        }
        int headerLen = 4 + dimBytes.length;
        // the declared size against the file's before allocating: a 20-byte header cannot make us allocate 2 GB
        long available = gz ? fileSize * MAX_GZIP_RATIO : fileSize - headerLen;
        if (total > available) {
            throw new IdxFormatException(file, gz ? "dims" : "data", "header promises " + total + " data bytes (" + shape(dims)
                    + ") but the file has " + fileSize + " bytes" + (gz ? ", which gzip cannot expand to that"
                    + " (at most " + MAX_GZIP_RATIO + "x)" : " (" + Math.max(0, fileSize - headerLen)
                    + " after the " + headerLen + "-byte header): truncated or not this file's header"));
        }
        byte[] data = new byte[(int) total];
        got = readFully(file, in, data, data.length, gz, "data", "the data " + shape(dims));
        if (got < data.length) {
            throw new IdxFormatException(file, "data", "truncated: header promises " + total + " data bytes ("
                    + shape(dims) + ") after the " + headerLen + "-byte header, found only " + got
                    + (gz ? " (after decompression)" : ""));
        }
        int extra = trailing(file, in, gz);
        if (extra > 0) {
            throw new IdxFormatException(file, "data", (extra >= 4096 ? "at least " : "") + extra
                    + " trailing byte(s) after the " + total + " data bytes of " + shape(dims));
        }
        return new Raw(dims, data);
    }

    private static String shape(int[] dims) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i] & 0xFFFFFFFFL);
        }
        return sb.append(']').toString();
    }

    /**
     * Reads up to {@code len} bytes; returns how many were read (fewer only at the end of the file). A gzip
     * stream that ends without its trailer is reported here as truncated.
     */
    private static int readFully(Path file, InputStream in, byte[] b, int len, boolean gz, String field,
            String what) throws IOException {
        int n = 0;
        while (n < len) {
            int r;
            try {
                r = in.read(b, n, len - n);
            } catch (EOFException e) {
                if (gz) {
                    throw new IdxFormatException(file, field, "truncated gzip stream: it ends after " + n
                            + " of the " + len + " bytes expected for " + what + " (" + e.getMessage() + ")", e);
                }
                throw e;
            }
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    /** Counts bytes after the data (up to 4096). */
    private static int trailing(Path file, InputStream in, boolean gz) throws IOException {
        byte[] buf = new byte[4096];
        int n = 0;
        try {
            while (n < buf.length) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (EOFException e) {
            if (!gz) {
                throw e;
            }
            throw new IdxFormatException(file, "gzip", "truncated gzip stream: the data is complete but the"
                    + " stream ends without its gzip trailer (" + e.getMessage() + ")", e);
        }
        return n;
    }
}
