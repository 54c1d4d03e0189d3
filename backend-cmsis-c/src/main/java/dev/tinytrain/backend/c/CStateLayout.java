package dev.tinytrain.backend.c;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Parameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The byte layout of a generated model's trainable state, as {@code tt_state_save} writes it and
 * {@code tt_state_load} reads it: a 16-byte header {@code {magic "TTST", layout tag, step, seed}} (little-endian
 * uint32), then, for every trained parameter in graph order, its SRAM storage (int8 weight channels in the layout of
 * {@code tt_weight.trained}, int32 biases, float32 head) followed by its float32 master copy when it trains in
 * {@code float_master} mode; every entry starts at a multiple of 4. The tag (the first 4 bytes of the SHA-256 of
 * this description) lets a device refuse a state saved by another model or scheme.
 *
 * <p>Encoding a JVM session's state with {@link #encode} gives the bytes the C model saves after the same steps:
 * the tests compare them byte for byte.
 */
public final class CStateLayout {

    /** {@code "TTST"} little-endian. */
    public static final int MAGIC = 0x54535454;
    /** Header size: magic, tag, step, seed. */
    public static final int HEADER_BYTES = 16;

    /** What an entry holds. */
    public enum Kind {
        /** int8 weight channels ({@code [rows][channels]}, the channels listed or all) */
        INT8_WEIGHT,
        /** int32 bias */
        INT32,
        /** float32 parameter (the transfer head) */
        FLOAT32,
        /** float32 master copy of the int8 weight channels or int32 bias of the entry before */
        MASTER
    }

    /**
     * One stored array.
     *
     * @param parameter the parameter's name
     * @param kind what the entry holds
     * @param channels the stored channels of a split weight (last axis), empty = all
     * @param rows rows of the weight with the split axis last (1 for vectors)
     * @param width the last axis (all channels)
     * @param offset byte offset in the blob
     * @param bytes byte size
     */
    public record Entry(String parameter, Kind kind, List<Integer> channels, int rows, int width, int offset,
                        int bytes) {

        /** Elements stored. */
        public int count() {
            return rows * (channels.isEmpty() ? width : channels.size());
        }
    }

    private final List<Entry> entries;
    private final int tag;
    private final int bytes;

    CStateLayout(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        StringBuilder desc = new StringBuilder("tinytrain-state/1");
        int end = HEADER_BYTES;
        for (Entry e : entries) {
            desc.append(';').append(e.parameter).append(':').append(e.kind).append(':').append(e.rows).append('x')
                    .append(e.width).append(':').append(e.channels).append('@').append(e.offset);
            end = Math.max(end, e.offset + e.bytes);
        }
        this.bytes = align4(end);
        this.tag = ByteBuffer.wrap(sha256(desc.toString())).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The entries in blob order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The layout tag stored in the header. */
    public int tag() {
        return tag;
    }

    /** Total blob size ({@code tt_state_bytes()}). */
    public int bytes() {
        return bytes;
    }

    /** The step counter stored in a blob. */
    public static int step(byte[] blob) {
        return ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    }

    /** The seed stored in a blob. */
    public static int seed(byte[] blob) {
        return ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
    }

    /**
     * The blob of a state held in whole arrays, as the JVM backend holds it.
     *
     * @param arrays a trained parameter's whole array: {@code byte[]} (int8), {@code int[]} (int32 storage) or
     *     {@code float[]} (float32)
     * @param masters a parameter's whole float32 master copy (FLOAT_MASTER entries only)
     */
    public byte[] encode(Function<String, Object> arrays, Function<String, float[]> masters, int step, int seed) {
        ByteBuffer bb = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(MAGIC).putInt(tag).putInt(step).putInt(seed);
        for (Entry e : entries) {
            bb.position(e.offset);
            switch (e.kind) {
                case INT8_WEIGHT -> {
                    byte[] w = (byte[]) arrays.apply(e.parameter);
                    forEachStored(e, i -> bb.put(w[i]));
                }
                case INT32 -> {
                    int[] v = (int[]) arrays.apply(e.parameter);
                    for (int x : v) {
                        bb.putInt(x);
                    }
                }
                case FLOAT32 -> {
                    float[] v = (float[]) arrays.apply(e.parameter);
                    for (float x : v) {
                        bb.putInt(Float.floatToRawIntBits(x));
                    }
                }
                case MASTER -> {
                    float[] m = masters.apply(e.parameter);
                    forEachStored(e, i -> bb.putInt(Float.floatToRawIntBits(m[i])));
                }
                default -> throw new IllegalStateException();
            }
        }
        return bb.array();
    }

    /** Visits the whole-array indices of the stored elements, in storage order. */
    private static void forEachStored(Entry e, java.util.function.IntConsumer visit) {
        if (e.channels.isEmpty()) {
            for (int i = 0; i < e.rows * e.width; i++) {
                visit.accept(i);
            }
            return;
        }
        for (int r = 0; r < e.rows; r++) {
            for (int c : e.channels) {
                visit.accept(r * e.width + c);
            }
        }
    }

    /**
     * The trained parameters of a saved state as whole arrays ({@code byte[]}, {@code int[]}, {@code float[]}):
     * untrained channels of split weights take their values from the graph (they are frozen).
     */
    public Map<String, Object> decodeParameters(byte[] blob, Graph g) {
        check(blob);
        ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            Parameter p = g.parameter(e.parameter).orElseThrow(() -> new IllegalArgumentException(
                    "state entry " + e.parameter + " is not a parameter of " + g.name()));
            bb.position(e.offset);
            switch (e.kind) {
                case INT8_WEIGHT -> {
                    byte[] w = p.data().toInt8();
                    forEachStored(e, i -> w[i] = bb.get());
                    out.put(e.parameter, w);
                }
                case INT32 -> {
                    int[] v = new int[e.count()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = bb.getInt();
                    }
                    out.put(e.parameter, v);
                }
                case FLOAT32 -> {
                    float[] v = new float[e.count()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = Float.intBitsToFloat(bb.getInt());
                    }
                    out.put(e.parameter, v);
                }
                default -> {
                }
            }
        }
        return out;
    }

    /**
     * The master copies of a saved state in whole layout (FLOAT_MASTER): untrained channels hold the float32 value
     * of the frozen parameter, as the JVM's master copy of a whole array does.
     */
    public Map<String, float[]> decodeMasters(byte[] blob, Graph g) {
        check(blob);
        ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.kind != Kind.MASTER) {
                continue;
            }
            Parameter p = g.parameter(e.parameter).orElseThrow();
            float[] m = new float[e.rows * e.width];
            if (p.value().type().dtype() == DType.INT8) {
                byte[] w = p.data().toInt8();
                for (int i = 0; i < m.length; i++) {
                    m[i] = w[i];
                }
            } else {
                int[] v = p.data().toInt32();
                for (int i = 0; i < m.length; i++) {
                    m[i] = (float) v[i];
                }
            }
            bb.position(e.offset);
            forEachStored(e, i -> m[i] = Float.intBitsToFloat(bb.getInt()));
            out.put(e.parameter, m);
        }
        return out;
    }

    private void check(byte[] blob) {
        if (blob.length != bytes) {
            throw new IllegalArgumentException("state blob has " + blob.length + " bytes, the layout " + bytes);
        }
        ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        if (bb.getInt(0) != MAGIC || bb.getInt(4) != tag) {
            throw new IllegalArgumentException("state blob has another magic or layout tag");
        }
    }

    /** Builds a layout: entries get consecutive 4-aligned offsets after the header. */
    static final class Builder {
        private final List<Entry> entries = new ArrayList<>();
        private int next = HEADER_BYTES;

        Entry add(String parameter, Kind kind, List<Integer> channels, int rows, int width, int elementBytes) {
            int count = rows * (channels.isEmpty() ? width : channels.size());
            Entry e = new Entry(parameter, kind, List.copyOf(channels), rows, width, next, count * elementBytes);
            entries.add(e);
            next = align4(next + e.bytes);
            return e;
        }

        CStateLayout build() {
            return new CStateLayout(entries);
        }
    }
}
