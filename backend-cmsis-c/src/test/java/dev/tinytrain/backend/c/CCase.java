package dev.tinytrain.backend.c;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One conformance case: a kernel kind, its scalar arguments, the buffers it starts from, and the buffers (and
 * optional return value) the JVM kernel produced from them. The C driver gets the inputs and must hand back
 * exactly the expected bytes.
 *
 * <p>Typical use, input snapshot first, then the JVM kernel on the live arrays, then the expectation:
 * <pre>
 *   CCase.Builder b = CCase.of(CKernel.ADD_F32, "n=17").ints(x, y, 17, out).in(arena);
 *   StepKernels.add(arena, x, y, 17, out);
 *   cases.add(b.expect(arena));
 * </pre>
 */
final class CCase {

    static final int MAGIC_CASE = 0x31435454;   // "TTC1"
    static final int MAGIC_RESULT = 0x31525454; // "TTR1"
    static final int MAGIC_END = 0x444e4554;    // "TEND"
    static final int NULL_BLOB = 0xFFFFFFFF;

    final CKernel kernel;
    final String label;
    final int[] ints;
    final float[] floats;
    final List<byte[]> inputs;
    final List<byte[]> expected;
    final Integer expectedRet;

    private CCase(Builder b, List<byte[]> expected, Integer expectedRet) {
        this.kernel = b.kernel;
        this.label = b.label;
        this.ints = b.ints;
        this.floats = b.floats;
        this.inputs = Collections.unmodifiableList(b.inputs);
        this.expected = Collections.unmodifiableList(new ArrayList<>(expected));
        this.expectedRet = expectedRet;
        if (expected.size() != inputs.size()) {
            throw new IllegalStateException(kernel + ": " + inputs.size() + " inputs but " + expected.size() + " expected");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if ((inputs.get(i) == null) != (expected.get(i) == null)) {
                throw new IllegalStateException(kernel + ": blob " + i + " null in only one of input/expected");
            }
        }
    }

    static Builder of(CKernel kernel, String label) {
        return new Builder(kernel, label);
    }

    /** @return bytes of buffers the driver must hold at once (for the emulator's pool) */
    long payloadBytes() {
        long n = 0;
        for (byte[] b : inputs) {
            n += b == null ? 0 : (b.length + 7) & ~7L;
        }
        return n;
    }

    @Override
    public String toString() {
        return kernel + " [" + label + "]";
    }

    /** Appends this case in the {@code cases.bin} format. */
    void writeTo(ByteArrayOutputStream out) {
        int size = 20 + 4 * ints.length + 4 * floats.length;
        for (byte[] b : inputs) {
            size += 4 + (b == null ? 0 : b.length);
        }
        ByteBuffer bb = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(MAGIC_CASE).putInt(kernel.id).putInt(ints.length).putInt(floats.length).putInt(inputs.size());
        for (int v : ints) {
            bb.putInt(v);
        }
        for (float f : floats) {
            bb.putInt(Float.floatToRawIntBits(f));
        }
        for (byte[] b : inputs) {
            if (b == null) {
                bb.putInt(NULL_BLOB);
            } else {
                bb.putInt(b.length).put(b);
            }
        }
        out.writeBytes(bb.array());
    }

    static final class Builder {
        private final CKernel kernel;
        private final String label;
        private int[] ints = new int[0];
        private float[] floats = new float[0];
        private final List<byte[]> inputs = new ArrayList<>();

        private Builder(CKernel kernel, String label) {
            this.kernel = kernel;
            this.label = label;
        }

        Builder ints(int... v) {
            this.ints = v.clone();
            return this;
        }

        Builder floats(float... v) {
            this.floats = v.clone();
            return this;
        }

        /** Snapshots (copies) the input buffers, in the driver's blob order; null stands for a NULL pointer. */
        Builder in(byte[]... blobs) {
            for (byte[] b : blobs) {
                inputs.add(b == null ? null : b.clone());
            }
            return this;
        }

        CCase expect(byte[]... blobs) {
            List<byte[]> e = new ArrayList<>();
            for (byte[] b : blobs) {
                e.add(b == null ? null : b.clone());
            }
            return new CCase(this, e, null);
        }

        CCase expectWithRet(int retBits, byte[]... blobs) {
            List<byte[]> e = new ArrayList<>();
            for (byte[] b : blobs) {
                e.add(b == null ? null : b.clone());
            }
            return new CCase(this, e, retBits);
        }
    }

    // ------------------------------------------------------------------------------------------ byte helpers

    static byte[] f32(float[] v) {
        if (v == null) {
            return null;
        }
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            bb.putInt(Float.floatToRawIntBits(f));
        }
        return bb.array();
    }

    static byte[] i32(int[] v) {
        if (v == null) {
            return null;
        }
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : v) {
            bb.putInt(i);
        }
        return bb.array();
    }
}
