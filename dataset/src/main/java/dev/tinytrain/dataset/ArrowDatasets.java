package dev.tinytrain.dataset;

import dev.tinytrain.fileio.InputFiles;
import dev.tinytrain.fileio.OutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.compression.NoCompressionCodec;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Image datasets as Apache Arrow IPC files (the Arrow "file" format, which is also Feather v2).
 *
 * <h2>Schema</h2>
 * <pre>
 *   image : FixedSizeBinary(rows * cols * channels)   one image per row, unsigned bytes, HWC order
 *   label : Int(32, signed)                           class index
 *   schema metadata: "rows", "cols", "channels"       decimal strings; channels = 1 for IDX data
 * </pre>
 * Both columns are written non-nullable; any other columns are ignored on reading, and so is any other
 * metadata. Rows are written in record batches of {@value #BATCH_ROWS}.
 *
 * <p><b>Why FixedSizeBinary and not FixedSizeList&lt;UInt8&gt;.</b> A FixedSizeBinary column is a single
 * contiguous data buffer that is byte for byte the IDX payload: it is written and read with one bulk copy,
 * has no child array, no per-pixel validity bitmap, and so no per-pixel nulls to reject; the image shape,
 * which neither type can express beyond a flat length, is carried by the metadata either way. It is an
 * ordinary type everywhere ({@code pa.binary(784)} in pyarrow, {@code np.frombuffer} on its buffer).
 * Because numpy-to-Arrow conversions of a 2-D {@code uint8} array usually yield FixedSizeList&lt;UInt8&gt;,
 * {@link #read} also accepts {@code image : FixedSizeList<UInt8>(rows * cols * channels)} with no null
 * pixels.
 *
 * <h2>Reading</h2>
 * {@link #read} accepts any Arrow IPC file (magic {@code ARROW1}) or IPC stream with that schema, whatever
 * its writer (Arrow Java, pyarrow's {@code feather.write_feather} / {@code ipc.new_file}, arrow-js, ...), in
 * any number of record batches, uncompressed or with LZ4_FRAME / ZSTD buffer compression. A wrong schema
 * (missing column, wrong type, sizes that do not agree with the metadata, nulls) is reported as a
 * {@link DatasetFormatException} naming the column or metadata key.
 *
 * <h2>JVM flags</h2>
 * On Java 17+ Arrow's memory module needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED}; without it
 * the methods here throw an {@link IllegalStateException} saying so.
 */
public final class ArrowDatasets {
    /** Name of the image column. */
    public static final String IMAGE_COLUMN = "image";
    /** Name of the label column. */
    public static final String LABEL_COLUMN = "label";
    /** Schema metadata key for the image height. */
    public static final String META_ROWS = "rows";
    /** Schema metadata key for the image width. */
    public static final String META_COLS = "cols";
    /** Schema metadata key for the number of channels. */
    public static final String META_CHANNELS = "channels";
    /** Rows per record batch when writing. */
    public static final int BATCH_ROWS = 8192;

    private static final byte[] FILE_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
    /** Uncompressed buffers as is; LZ4_FRAME and ZSTD through arrow-compression. */
    private static final CompressionCodec.Factory CODECS = new CompressionCodec.Factory() {
        @Override
        public CompressionCodec createCodec(CompressionUtil.CodecType codecType) {
            return codecType == CompressionUtil.CodecType.NO_COMPRESSION ? NoCompressionCodec.INSTANCE
                    : CommonsCompressionFactory.INSTANCE.createCodec(codecType);
        }

        @Override
        public CompressionCodec createCodec(CompressionUtil.CodecType codecType, int compressionLevel) {
            return codecType == CompressionUtil.CodecType.NO_COMPRESSION ? NoCompressionCodec.INSTANCE
                    : CommonsCompressionFactory.INSTANCE.createCodec(codecType, compressionLevel);
        }
    };

    /** Buffer compression used when writing. */
    public enum Compression {
        /** Uncompressed buffers (the default: readable by every Arrow implementation). */
        NONE(CompressionUtil.CodecType.NO_COMPRESSION),
        /** LZ4 frame compression of each buffer (pyarrow's Feather default). */
        LZ4_FRAME(CompressionUtil.CodecType.LZ4_FRAME),
        /** Zstandard compression of each buffer. */
        ZSTD(CompressionUtil.CodecType.ZSTD);

        private final CompressionUtil.CodecType codec;

        Compression(CompressionUtil.CodecType codec) {
            this.codec = codec;
        }
    }

    private ArrowDatasets() {
    }

    /**
     * The Arrow schema this class writes for images of the given shape.
     *
     * @param rows     image height (≥ 1)
     * @param cols     image width (≥ 1)
     * @param channels channels per pixel (≥ 1)
     * @return the schema, with metadata {@code rows}, {@code cols}, {@code channels}
     */
    public static Schema schema(int rows, int cols, int channels) {
        if (rows < 1 || cols < 1 || channels < 1 || (long) rows * cols * channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad image shape " + rows + "x" + cols + "x" + channels);
        }
        Field image = new Field(IMAGE_COLUMN,
                FieldType.notNullable(new ArrowType.FixedSizeBinary(rows * cols * channels)), null);
        Field label = new Field(LABEL_COLUMN, FieldType.notNullable(new ArrowType.Int(32, true)), null);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_ROWS, Integer.toString(rows));
        meta.put(META_COLS, Integer.toString(cols));
        meta.put(META_CHANNELS, Integer.toString(channels));
        return new Schema(List.of(image, label), meta);
    }

    /**
     * Converts an IDX image file and its label file (each gzipped or not) into an Arrow IPC file with
     * {@code channels = 1}. The output is written to a temporary file beside {@code out} and renamed onto
     * it, so {@code out} is never left half-written.
     *
     * @param images IDX image file
     * @param labels IDX label file
     * @param out    the Arrow file to create or replace
     * @return the number of images written
     * @throws IdxFormatException if an input is malformed or the counts differ
     * @throws IOException        if reading or writing fails
     */
    public static int writeIdxAsArrow(Path images, Path labels, Path out) throws IOException {
        List<Path> inputs = List.of(images, labels);
        OutputFiles.checkWritable(out, inputs); // an output that is an input is refused before anything is read
        ImageDataset ds = IdxReader.readDataset(images, labels);
        write(ds, out, Compression.NONE, inputs);
        return ds.count();
    }

    /**
     * Writes a dataset as an uncompressed Arrow IPC file (atomically, see {@link #writeIdxAsArrow}).
     *
     * @param dataset the images and labels
     * @param out     the Arrow file to create or replace
     * @throws IOException if writing fails
     */
    public static void write(ImageDataset dataset, Path out) throws IOException {
        write(dataset, out, Compression.NONE);
    }

    /**
     * Writes a dataset as an Arrow IPC file with the given buffer compression (atomically, see
     * {@link #writeIdxAsArrow}).
     *
     * @param dataset     the images and labels
     * @param out         the Arrow file to create or replace
     * @param compression buffer compression
     * @throws IOException if writing fails
     */
    public static void write(ImageDataset dataset, Path out, Compression compression) throws IOException {
        write(dataset, out, compression, List.of());
    }

    private static void write(ImageDataset dataset, Path out, Compression compression, List<Path> inputs)
            throws IOException {
        Schema schema = schema(dataset.rows(), dataset.cols(), dataset.channels());
        int size = dataset.imageSize();
        int count = dataset.count();
        byte[] image = new byte[size];
        try (BufferAllocator alloc = newAllocator(); VectorSchemaRoot root = VectorSchemaRoot.create(schema, alloc)) {
            FixedSizeBinaryVector img = (FixedSizeBinaryVector) root.getVector(IMAGE_COLUMN);
            IntVector lab = (IntVector) root.getVector(LABEL_COLUMN);
            OutputFiles.write(out, inputs, channel -> {
                try (ArrowFileWriter writer = new ArrowFileWriter(root, null, channel, Map.of(), IpcOption.DEFAULT,
                        CODECS, compression.codec)) {
                    writer.start();
                    for (int start = 0; start < count; start += BATCH_ROWS) {
                        int n = Math.min(BATCH_ROWS, count - start);
                        img.allocateNew(n);
                        lab.allocateNew(n);
                        for (int i = 0; i < n; i++) {
                            dataset.imageInto(start + i, image, 0);
                            img.set(i, image);
                            lab.set(i, dataset.label(start + i));
                        }
                        root.setRowCount(n);
                        writer.writeBatch();
                    }
                    writer.end();
                }
            });
        }
    }

    /**
     * Reads an Arrow IPC file or stream (Feather v2 included) with the schema described in the class comment.
     *
     * @param file the Arrow file
     * @return the dataset, images in file order
     * @throws DatasetFormatException if the file is not Arrow IPC data, or its schema or content does not
     *                                match (the message names the column or metadata key)
     * @throws IOException            if the file cannot be read
     */
    public static ImageDataset read(Path file) throws IOException {
        boolean isFile = sniff(file);
        try (BufferAllocator alloc = newAllocator();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             ArrowReader reader = isFile ? new ArrowFileReader(channel, alloc, CODECS)
                     : new ArrowStreamReader(channel, alloc, CODECS)) {
            return read(file, reader, isFile);
        }
    }

    private static ImageDataset read(Path file, ArrowReader reader, boolean isFile) throws IOException {
        Schema schema;
        try {
            schema = reader.getVectorSchemaRoot().getSchema();
        } catch (IOException | RuntimeException e) {
            throw new DatasetFormatException(file, "file", "not a readable Arrow IPC " + (isFile ? "file" : "stream")
                    + (isFile ? "" : " (no ARROW1 magic either)") + ": " + reason(e), e);
        }
        Layout layout = checkSchema(file, schema);
        int size = layout.imageSize;
        List<byte[]> pixelChunks = new ArrayList<>();
        List<int[]> labelChunks = new ArrayList<>();
        long total = 0;
        while (true) {
            boolean loaded;
            try {
                loaded = reader.loadNextBatch();
            } catch (IOException | RuntimeException e) {
                throw new DatasetFormatException(file, "record batch " + labelChunks.size(),
                        "malformed or unreadable Arrow record batch: " + reason(e), e);
            }
            if (!loaded) {
                break;
            }
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            int n = root.getRowCount();
            if ((total + n) * size > Integer.MAX_VALUE - 16) {
                throw new DatasetFormatException(file, IMAGE_COLUMN, "more than 2^31 bytes of pixels ("
                        + (total + n) + "+ images of " + size + " bytes): too large for one dataset");
            }
            byte[] pixels = new byte[n * size];
            copyImages(file, root.getVector(IMAGE_COLUMN), n, total, size, pixels);
            labelChunks.add(copyLabels(file, root.getVector(LABEL_COLUMN), n, total));
            pixelChunks.add(pixels);
            total += n;
        }
        int count = (int) total;
        byte[] pixels = new byte[count * size];
        int[] labels = new int[count];
        int at = 0;
        for (int k = 0; k < labelChunks.size(); k++) {
            int[] l = labelChunks.get(k);
            System.arraycopy(pixelChunks.get(k), 0, pixels, at * size, l.length * size);
            System.arraycopy(l, 0, labels, at, l.length);
            at += l.length;
        }
        return ImageDataset.adopt(layout.rows, layout.cols, layout.channels, pixels, labels, file);
    }

    private record Layout(int rows, int cols, int channels, int imageSize) {
    }

    private static Layout checkSchema(Path file, Schema schema) throws DatasetFormatException {
        Field image = column(file, schema, IMAGE_COLUMN);
        Field label = column(file, schema, LABEL_COLUMN);
        Map<String, String> meta = schema.getCustomMetadata() == null ? Map.of() : schema.getCustomMetadata();
        int rows = metaInt(file, meta, META_ROWS);
        int cols = metaInt(file, meta, META_COLS);
        int channels = metaInt(file, meta, META_CHANNELS);
        long expected = (long) rows * cols * channels;
        if (expected > Integer.MAX_VALUE) {
            throw new DatasetFormatException(file, "metadata", "image of rows*cols*channels = " + expected
                    + " bytes is too large");
        }
        ArrowType t = image.getType();
        int width;
        if (t instanceof ArrowType.FixedSizeBinary fsb) {
            width = fsb.getByteWidth();
        } else if (t instanceof ArrowType.FixedSizeList fsl && image.getChildren().size() == 1
                && isUInt8(image.getChildren().get(0).getType())) {
            width = fsl.getListSize();
        } else {
            String found = t + (t instanceof ArrowType.FixedSizeList && !image.getChildren().isEmpty()
                    ? "<" + image.getChildren().get(0).getType() + ">" : "");
            throw new DatasetFormatException(file, "column '" + IMAGE_COLUMN + "'", "expected FixedSizeBinary("
                    + expected + ") or FixedSizeList<Int(8, unsigned)>(" + expected + "), found " + found);
        }
        if (width != expected) {
            throw new DatasetFormatException(file, "column '" + IMAGE_COLUMN + "'", "inconsistent sizes: each value"
                    + " has " + width + " bytes but metadata rows*cols*channels = " + rows + "*" + cols + "*"
                    + channels + " = " + expected);
        }
        ArrowType lt = label.getType();
        if (!(lt instanceof ArrowType.Int li && li.getBitWidth() == 32 && li.getIsSigned())) {
            throw new DatasetFormatException(file, "column '" + LABEL_COLUMN + "'",
                    "expected Int(32, signed), found " + lt);
        }
        return new Layout(rows, cols, channels, (int) expected);
    }

    private static boolean isUInt8(ArrowType t) {
        return t instanceof ArrowType.Int i && i.getBitWidth() == 8 && !i.getIsSigned();
    }

    private static Field column(Path file, Schema schema, String name) throws DatasetFormatException {
        Field found = null;
        for (Field f : schema.getFields()) {
            if (f.getName().equals(name)) {
                if (found != null) {
                    throw new DatasetFormatException(file, "column '" + name + "'", "appears more than once");
                }
                found = f;
            }
        }
        if (found == null) {
            List<String> names = schema.getFields().stream().map(Field::getName).toList();
            throw new DatasetFormatException(file, "column '" + name + "'", "missing (columns are " + names + ")");
        }
        if (found.getDictionary() != null) {
            throw new DatasetFormatException(file, "column '" + name + "'", "is dictionary-encoded; not supported");
        }
        return found;
    }

    private static int metaInt(Path file, Map<String, String> meta, String key) throws DatasetFormatException {
        String v = meta.get(key);
        if (v == null) {
            throw new DatasetFormatException(file, "metadata '" + key + "'", "missing: the schema metadata must"
                    + " give '" + META_ROWS + "', '" + META_COLS + "' and '" + META_CHANNELS + "' (found keys "
                    + meta.keySet() + ")");
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < 1) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new DatasetFormatException(file, "metadata '" + key + "'", "expected a positive integer, found '"
                    + v + "'");
        }
    }

    private static void copyImages(Path file, FieldVector vector, int n, long firstRow, int size, byte[] dst)
            throws DatasetFormatException {
        String col = "column '" + IMAGE_COLUMN + "'";
        if (vector.getValueCount() != n) {
            throw new DatasetFormatException(file, col, "inconsistent sizes: " + vector.getValueCount()
                    + " values in a record batch of " + n + " rows (from row " + firstRow + ")");
        }
        checkNoNulls(file, IMAGE_COLUMN, vector, n, firstRow);
        ArrowBuf data;
        if (vector instanceof FixedSizeBinaryVector fsb) {
            data = fsb.getDataBuffer();
        } else if (vector instanceof FixedSizeListVector list) {
            FieldVector child = list.getDataVector();
            if (child.getValueCount() < (long) n * size) {
                throw new DatasetFormatException(file, col, "inconsistent sizes: " + child.getValueCount()
                        + " pixel values for " + n + " images of " + size + " (from row " + firstRow + ")");
            }
            if (child.getNullCount() > 0) {
                for (int i = 0; i < n * size; i++) {
                    if (child.isNull(i)) {
                        throw new DatasetFormatException(file, col, "row " + (firstRow + i / size)
                                + " has a null pixel at " + (i % size));
                    }
                }
            }
            data = child.getDataBuffer();
        } else {
            throw new DatasetFormatException(file, col, "unexpected vector " + vector.getClass().getSimpleName());
        }
        long bytes = (long) n * size;
        if (data.capacity() < bytes) {
            throw new DatasetFormatException(file, col, "inconsistent sizes: data buffer has " + data.capacity()
                    + " bytes, " + n + " rows of " + size + " need " + bytes + " (from row " + firstRow + ")");
        }
        data.getBytes(0, dst, 0, (int) bytes);
    }

    private static int[] copyLabels(Path file, FieldVector vector, int n, long firstRow)
            throws DatasetFormatException {
        if (vector.getValueCount() != n) {
            throw new DatasetFormatException(file, "column '" + LABEL_COLUMN + "'", "inconsistent sizes: "
                    + vector.getValueCount() + " values in a record batch of " + n + " rows (from row "
                    + firstRow + ")");
        }
        checkNoNulls(file, LABEL_COLUMN, vector, n, firstRow);
        IntVector ints = (IntVector) vector;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = ints.get(i);
        }
        return out;
    }

    private static void checkNoNulls(Path file, String name, FieldVector vector, int n, long firstRow)
            throws DatasetFormatException {
        if (vector.getNullCount() == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            if (vector.isNull(i)) {
                throw new DatasetFormatException(file, "column '" + name + "'", "row " + (firstRow + i)
                        + " is null (" + vector.getNullCount() + " nulls in its record batch)");
            }
        }
    }

    /**
     * @return true for the IPC file format (ARROW1 magic), false for a plausible IPC stream (first message
     * length, after the optional 0xFFFFFFFF continuation marker, fits in the file)
     * @throws DatasetFormatException for anything else, before Arrow tries to allocate a nonsense length
     */
    private static boolean sniff(Path file) throws IOException {
        long fileSize = InputFiles.requireRegular(file); // a pipe or a device is refused, never waited on
        byte[] head = new byte[8];
        int n;
        try (InputStream in = InputFiles.open(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= FILE_MAGIC.length && Arrays.equals(Arrays.copyOf(head, FILE_MAGIC.length), FILE_MAGIC)) {
            return true;
        }
        if (n == 8) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int first = b.getInt(0);
            long len = first == -1 ? b.getInt(4) & 0xFFFFFFFFL : first & 0xFFFFFFFFL;
            long headerBytes = first == -1 ? 8 : 4;
            if (len > 0 && len <= fileSize - headerBytes) {
                return false;
            }
        }
        throw new DatasetFormatException(file, "file", "not an Arrow IPC file (no ARROW1 magic) nor an Arrow IPC"
                + " stream (" + fileSize + " bytes)");
    }

    /** What went wrong inside Arrow, in its words (its message, never the exception's class name). */
    private static String reason(Exception e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? "the data is malformed" : e.getMessage();
    }

    /**
     * A root allocator, checked to work: Arrow's memory module fails on Java 17+ without
     * {@code --add-opens=java.base/java.nio=ALL-UNNAMED}; say so plainly instead of a bare linkage error.
     */
    private static BufferAllocator newAllocator() {
        try {
            RootAllocator alloc = new RootAllocator(Long.MAX_VALUE);
            try {
                alloc.buffer(8).close();
            } catch (RuntimeException | LinkageError e) {
                alloc.close();
                throw e;
            }
            return alloc;
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("Apache Arrow could not initialise its memory module; on Java 17+"
                    + " start the JVM with --add-opens=java.base/java.nio=ALL-UNNAMED (" + e + ")", e);
        }
    }
}
