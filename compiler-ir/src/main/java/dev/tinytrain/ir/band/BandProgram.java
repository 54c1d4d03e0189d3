package dev.tinytrain.ir.band;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The static band program of a band region: which layer computes which rows, and when a line buffer drops the rows
 * no consumer needs any more. Everything is known at compile time, so the program is computed here once, checked by
 * {@link #verify() simulation}, and the backends run it as a table of kernel calls on row windows.
 *
 * <p>Tensors are numbered as in {@link BandLayer}: 0 is the region's input (whole, in the arena), {@code n} the
 * output of the last layer (whole, in the arena), and every tensor in between lives in a line buffer of the
 * workspace holding only the rows some consumer's window still needs: line buffers, no recomputation (every row of
 * every layer is computed once).
 *
 * <p>A depthwise layer may write its output row over its input's line buffer ({@link BandLayer#inPlaceLead()}):
 * when it runs in bands of one row, alone reads its input and its output needs one row, its input's buffer is
 * arranged before each of its steps so that the window's first row is at the buffer's start when that row dies with
 * the step (else one free row is there), and its output row starts the lead before that buffer, over the dying or
 * free row; the program takes this when it needs fewer workspace bytes. The {@link #verify() check} follows every
 * workspace byte, so an output row written over bytes a later step still reads is caught.
 *
 * <p>The order is demand-driven: every layer computes at most {@code bandRows} rows per call (the last layer's
 * bands); before a layer computes rows {@code [y0, y1)} it has its inputs computed up to the last row those rows'
 * windows read, so each line buffer holds about its consumer's window and one band, and a line
 * buffer about to overflow first shifts the rows still needed (those at or after the lowest row any consumer's next
 * window reads) to its start. The capacity of each line buffer is the largest span of rows it must hold when rows
 * are dropped as early as possible; shifting lazily (only when the new rows would not fit) then never overflows and
 * moves fewer bytes.
 *
 * @param layers the layers, in execution order (layer {@code i} writes tensor {@code i + 1})
 * @param inHeight rows of the region's input
 * @param inRowBytes bytes of one input row
 * @param bandRows rows per kernel call of every layer (the last layer's output rows per band)
 * @param steps the program
 * @param capacityRows rows of each tensor's line buffer (0 for the input and the output, which are whole)
 * @param bufferOffsets byte offset of each tensor's line buffer in the workspace (-1 for the input and output)
 * @param scratchOffsets per layer, the byte offset in the workspace of the input-row part of its kernel's scratch
 *     (after the line buffers; -1 for a layer without scratch): {@link #scratchInRows(int)} rows of
 *     {@link BandLayer#scratchInRowBytes()}
 * @param scratchOutOffsets per layer, the byte offset of the output-row part of its kernel's scratch (-1 without):
 *     {@code bandRows} rows of {@link BandLayer#scratchOutRowBytes()}
 * @param workspaceBytes bytes of all line buffers and kernel scratch together
 */
public record BandProgram(List<BandLayer> layers, int inHeight, int inRowBytes, int bandRows, List<Step> steps,
                          int[] capacityRows, long[] bufferOffsets, long[] scratchOffsets, long[] scratchOutOffsets,
                          long workspaceBytes) {

    /** One step of the program. */
    public sealed interface Step permits Compute, Shift {
    }

    /**
     * Layer {@code layer} computes its output rows {@code [y0, y1)} into its buffer from row {@code outRowOffset}
     * on, reading each input through a window.
     *
     * @param layer the layer
     * @param y0 first output row (absolute)
     * @param y1 one past the last output row
     * @param inputs one window per input, in the layer's input order
     * @param outRowOffset the buffer row where row {@code y0} goes
     */
    public record Compute(int layer, int y0, int y1, List<Window> inputs, int outRowOffset) implements Step {
        /** Copies the list. */
        public Compute {
            inputs = List.copyOf(inputs);
        }
    }

    /**
     * What a kernel sees of one input: {@code rows} rows of the tensor's buffer from buffer row {@code rowOffset}
     * on, as a whole tensor of that height with {@code padTop} padding rows above. For a conv, absolute input row
     * {@code y0 * stride - padTop(layer) + padTop + r} is the kernel's row {@code r}; rows the kernel sees outside
     * {@code [0, rows)} are padding exactly when the absolute row is outside the tensor.
     *
     * @param tensor the tensor read
     * @param rowOffset the buffer row of the kernel's row 0
     * @param rows rows the kernel sees
     * @param padTop padding rows the kernel puts above them
     */
    public record Window(int tensor, int rowOffset, int rows, int padTop) {
    }

    /**
     * Tensor {@code tensor}'s line buffer keeps {@code rows} rows from buffer row {@code fromRow} on and moves them
     * to its start (an overlapping move).
     *
     * @param tensor the tensor
     * @param fromRow the buffer row of the first row kept
     * @param rows rows kept
     */
    public record Shift(int tensor, int fromRow, int rows) implements Step {
    }

    /** Copies the collections. */
    public BandProgram {
        layers = List.copyOf(layers);
        steps = List.copyOf(steps);
        capacityRows = capacityRows.clone();
        bufferOffsets = bufferOffsets.clone();
        scratchOffsets = scratchOffsets.clone();
        scratchOutOffsets = scratchOutOffsets.clone();
    }

    /**
     * Computes and verifies the program of {@code layers}.
     *
     * @param alignment each line buffer starts at a multiple of this in the workspace
     * @throws IllegalArgumentException when the geometry is not a band region (a tensor read before it is defined,
     *     an intermediate tensor nobody reads, a window entirely in the padding, elementwise heights that differ)
     */
    public static BandProgram of(List<BandLayer> layers, int inHeight, int inRowBytes, int bandRows, int alignment) {
        if (layers.isEmpty() || inHeight < 1 || inRowBytes < 1 || bandRows < 1 || alignment < 1) {
            throw new IllegalArgumentException("a band program needs layers, input rows, row bytes, band rows and"
                    + " alignment >= 1");
        }
        int n = layers.size();
        int[] height = heights(layers, inHeight);
        for (int i = 0; i < n; i++) {
            BandLayer l = layers.get(i);
            for (int t : l.inputs()) {
                if (t < 0 || t > i) {
                    throw new IllegalArgumentException("band layer " + i + " reads tensor " + t
                            + ", which is not defined before it");
                }
                if (l.kind() == BandLayer.Kind.ELEMENTWISE && height[t] != l.outHeight()) {
                    throw new IllegalArgumentException("elementwise band layer " + i + " has " + l.outHeight()
                            + " rows but its input tensor " + t + " has " + height[t]);
                }
                if (l.kind() == BandLayer.Kind.CONV && (l.padTop() >= l.kernel()
                        || l.firstInputRow(l.outHeight() - 1) >= height[t])) {
                    throw new IllegalArgumentException("band layer " + i + ": a window of its first or last output"
                            + " row lies entirely in the padding");
                }
            }
        }
        for (int t = 1; t < n; t++) {
            if (consumers(layers, t).isEmpty()) {
                throw new IllegalArgumentException("tensor " + t + " (output of band layer " + (t - 1)
                        + ") is read by no later layer");
            }
        }
        BandProgram plain = build(layers, inHeight, inRowBytes, bandRows, alignment, height, false);
        try {
            BandProgram inPlace = build(layers, inHeight, inRowBytes, bandRows, alignment, height, true);
            return inPlace.workspaceBytes() < plain.workspaceBytes() ? inPlace : plain;
        } catch (IllegalStateException e) {
            return plain; // an in-place output row a consumer still reads when its input's rows move
        }
    }

    private static BandProgram build(List<BandLayer> layers, int inHeight, int inRowBytes, int bandRows,
                                     int alignment, int[] height, boolean inPlace) {
        int n = layers.size();
        int[] none = new int[n + 1];
        Arrays.fill(none, -1);
        Sim plain = new Sim(layers, height, bandRows, null, none);
        plain.run();
        int[] host = inPlace ? hosts(layers, height, bandRows, plain.maxSpan) : none;
        Sim eager = new Sim(layers, height, bandRows, null, host);
        eager.run();
        int[] capacity = eager.maxSpan;
        Sim lazy = new Sim(layers, height, bandRows, capacity, host);
        lazy.run();
        long[] offsets = new long[n + 1];
        Arrays.fill(offsets, -1);
        long bytes = 0;
        for (int t = 1; t < n; t++) {
            if (hostedOutput(host, t)) {
                continue; // placed with its layer's input below
            }
            bytes = align(bytes, alignment);
            if (host[t] >= 0) {
                long lead = align(layers.get(host[t]).inPlaceLead(), alignment);
                bytes += lead;
                offsets[host[t] + 1] = bytes - lead;
            }
            offsets[t] = bytes;
            bytes += (long) capacity[t] * layers.get(t - 1).outRowBytes();
        }
        long[] scratch = new long[n];
        long[] scratchOut = new long[n];
        Arrays.fill(scratch, -1);
        Arrays.fill(scratchOut, -1);
        int[] windowRows = maxWindowRows(layers, lazy.steps);
        for (int i = 0; i < n; i++) {
            BandLayer l = layers.get(i);
            if (l.scratchInRowBytes() > 0 || l.scratchOutRowBytes() > 0) {
                scratch[i] = align(bytes, alignment);
                scratchOut[i] = align(scratch[i] + (long) windowRows[i] * l.scratchInRowBytes(), alignment);
                bytes = scratchOut[i] + (long) bandRows * l.scratchOutRowBytes();
            }
        }
        BandProgram p = new BandProgram(layers, inHeight, inRowBytes, bandRows, lazy.steps, capacity, offsets, scratch,
                scratchOut, bytes);
        p.verify();
        return p;
    }

    /** True when tensor {@code t} is the output row of a layer written over its input ({@link #hosts}). */
    private static boolean hostedOutput(int[] host, int t) {
        for (int h : host) {
            if (h >= 0 && h + 1 == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * Per tensor, the depthwise layer that writes its output row over the tensor's line buffer (-1: none): a layer
     * with an {@link BandLayer#inPlaceLead() in-place lead} in bands of one row, whose input is a line buffer it alone
     * reads and whose output is a line buffer of one row (of {@code span} measured without in-place layers) no wider
     * than an input row, and whose output is not itself written over. Its input's line buffer then keeps, before
     * each of its steps, the window's first row at its start when that row dies with the step (else one free row
     * there), and its output row starts the lead before the buffer: over the dying or free row.
     */
    private static int[] hosts(List<BandLayer> layers, int[] height, int bandRows, int[] span) {
        int n = layers.size();
        int[] host = new int[n + 1];
        Arrays.fill(host, -1);
        if (bandRows != 1) {
            return host;
        }
        for (int d = 0; d < n - 1; d++) {
            BandLayer l = layers.get(d);
            int t = l.inputs().get(0);
            if (l.inPlaceLead() >= 0 && t >= 1 && consumers(layers, t).equals(List.of(d)) && span[d + 1] == 1
                    && l.outRowBytes() <= layers.get(t - 1).outRowBytes() && host[t] < 0 && !hostedOutput(host, t)) {
                host[t] = d;
            }
        }
        for (int t = 1; t < n; t++) { // an output row written over its input is not itself written over
            if (host[t] >= 0 && hostedOutput(host, t)) {
                host[t] = -1;
            }
        }
        return host;
    }

    private static long align(long bytes, int alignment) {
        return (bytes + alignment - 1) / alignment * alignment;
    }

    /** Per layer, the most rows of its first input a step's window holds. */
    private static int[] maxWindowRows(List<BandLayer> layers, List<Step> steps) {
        int[] rows = new int[layers.size()];
        for (Step s : steps) {
            if (s instanceof Compute c) {
                rows[c.layer()] = Math.max(rows[c.layer()], c.inputs().get(0).rows());
            }
        }
        return rows;
    }

    /** Rows of input-row scratch layer {@code layer}'s kernel has (the most rows of its windows). */
    public int scratchInRows(int layer) {
        return maxWindowRows(layers, steps)[layer];
    }

    private static int[] heights(List<BandLayer> layers, int inHeight) {
        int[] h = new int[layers.size() + 1];
        h[0] = inHeight;
        for (int i = 0; i < layers.size(); i++) {
            h[i + 1] = layers.get(i).outHeight();
        }
        return h;
    }

    private static List<Integer> consumers(List<BandLayer> layers, int tensor) {
        List<Integer> c = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).inputs().contains(tensor)) {
                c.add(i);
            }
        }
        return c;
    }

    /** Rows of tensor {@code t}. */
    public int height(int t) {
        return t == 0 ? inHeight : layers.get(t - 1).outHeight();
    }

    /** Bytes of one row of tensor {@code t}. */
    public int rowBytes(int t) {
        return t == 0 ? inRowBytes : layers.get(t - 1).outRowBytes();
    }

    /**
     * The layers that write their output row over their input's line buffer (output tensor {@code d + 1}'s buffer
     * starts less than one of its rows before the input's).
     */
    public List<Integer> inPlaceLayers() {
        List<Integer> out = new ArrayList<>();
        for (int d = 0; d + 1 < layers.size(); d++) {
            int t = layers.get(d).inputs().get(0);
            long o = bufferOffsets[d + 1];
            if (t >= 1 && o >= 0 && o <= bufferOffsets[t] && o + rowBytes(d + 1) > bufferOffsets[t]) {
                out.add(d);
            }
        }
        return out;
    }

    /** Number of {@link Compute} steps (kernel calls). */
    public int computeSteps() {
        return (int) steps.stream().filter(s -> s instanceof Compute).count();
    }

    /** Bytes moved by all {@link Shift} steps. */
    public long shiftedBytes() {
        return steps.stream().filter(s -> s instanceof Shift).mapToLong(s -> {
            Shift sh = (Shift) s;
            return (long) sh.rows() * rowBytes(sh.tensor());
        }).sum();
    }

    /** {@link #table()} entry kind: a conv on a row window. */
    public static final int OP_CONV = 0;
    /** {@link #table()} entry kind: an elementwise layer (the residual add) on rows. */
    public static final int OP_ELEMENTWISE = 1;
    /** {@link #table()} entry kind: a line buffer's overlapping move. */
    public static final int OP_SHIFT = 2;
    /** Ints per {@link #table()} entry. */
    public static final int TABLE_WIDTH = 7;

    /**
     * The program as the table both backends run (the one lowering of the steps): {@link #TABLE_WIDTH} ints per
     * step, byte offsets relative to the start of the buffer of the tensor they address (the region's input, its
     * output, or a line buffer at {@link #bufferOffsets()} in the workspace):
     * <ul>
     *   <li>{@code OP_CONV, layer, inOffset, inRows, padTop, outOffset, outRows}: the layer's kernel on the window
     *       (its input is {@code layers.get(layer).inputs().get(0)}, its output tensor {@code layer + 1});</li>
     *   <li>{@code OP_ELEMENTWISE, layer, aOffset, bOffset, outOffset, count, 0}: the add of {@code count}
     *       elements of its two inputs;</li>
     *   <li>{@code OP_SHIFT, tensor, 0, fromOffset, bytes, 0, 0}: move {@code bytes} from {@code fromOffset} to the
     *       start of the tensor's line buffer (overlapping).</li>
     * </ul>
     */
    public int[] table() {
        int[] t = new int[steps.size() * TABLE_WIDTH];
        int k = 0;
        for (Step s : steps) {
            if (s instanceof Shift sh) {
                int rb = rowBytes(sh.tensor());
                t[k] = OP_SHIFT;
                t[k + 1] = sh.tensor();
                t[k + 3] = Math.multiplyExact(sh.fromRow(), rb);
                t[k + 4] = Math.multiplyExact(sh.rows(), rb);
            } else {
                Compute c = (Compute) s;
                int outRb = rowBytes(c.layer() + 1);
                int outOff = Math.multiplyExact(c.outRowOffset(), outRb);
                t[k + 1] = c.layer();
                if (layers.get(c.layer()).kind() == BandLayer.Kind.CONV) {
                    Window w = c.inputs().get(0);
                    t[k] = OP_CONV;
                    t[k + 2] = Math.multiplyExact(w.rowOffset(), rowBytes(w.tensor()));
                    t[k + 3] = w.rows();
                    t[k + 4] = w.padTop();
                    t[k + 5] = outOff;
                    t[k + 6] = c.y1() - c.y0();
                } else {
                    Window a = c.inputs().get(0);
                    Window b = c.inputs().get(1);
                    t[k] = OP_ELEMENTWISE;
                    t[k + 2] = Math.multiplyExact(a.rowOffset(), rowBytes(a.tensor()));
                    t[k + 3] = Math.multiplyExact(b.rowOffset(), rowBytes(b.tensor()));
                    t[k + 4] = outOff;
                    t[k + 5] = Math.multiplyExact(c.y1() - c.y0(), outRb);
                }
            }
            k += TABLE_WIDTH;
        }
        return t;
    }

    /**
     * The arena offset of tensor {@code t}'s buffer: the region's input at {@code inputOffset}, its output at
     * {@code outputOffset}, a line buffer at {@code workspaceOffset} plus its {@link #bufferOffsets() offset}.
     */
    public long bufferBase(int t, long inputOffset, long outputOffset, long workspaceOffset) {
        return t == 0 ? inputOffset : t == layers.size() ? outputOffset : workspaceOffset + bufferOffsets[t];
    }

    /**
     * The smallest lead, in bytes, of the region's output before its input for the two to share one buffer (the
     * output at offset {@code o}, the input at {@code o + lead}): every output byte is written where only input
     * bytes that no later step reads lie. Output byte {@code e} overwrites input byte {@code e - lead}; a step
     * writing output bytes below {@code e1} is safe when every input byte read from that step on is at least
     * {@code e1 - lead}. As {@code DepthwiseInPlace} does for one depthwise conv, but over the whole program, so a
     * prefix whose rows shrink (strides) can write its whole output over its dying input.
     */
    public long outputLead() {
        int n = layers.size();
        long[] minReadFrom = new long[steps.size() + 1];
        minReadFrom[steps.size()] = Long.MAX_VALUE;
        for (int s = steps.size() - 1; s >= 0; s--) {
            long m = Long.MAX_VALUE;
            if (steps.get(s) instanceof Compute c) {
                for (Window w : c.inputs()) {
                    if (w.tensor() == 0) {
                        m = Math.min(m, (long) w.rowOffset() * inRowBytes);
                    }
                }
            }
            minReadFrom[s] = Math.min(m, minReadFrom[s + 1]);
        }
        long lead = 0;
        for (int s = 0; s < steps.size(); s++) {
            if (steps.get(s) instanceof Compute c && c.layer() == n - 1 && minReadFrom[s] != Long.MAX_VALUE) {
                long end = (long) (c.outRowOffset() + c.y1() - c.y0()) * rowBytes(n);
                lead = Math.max(lead, end - minReadFrom[s]);
            }
        }
        return lead;
    }

    /**
     * Replays the program on a model of the buffers (which absolute row each buffer row holds) and checks it: every
     * row a window reads is present where the kernel looks for it and every row it treats as padding is outside the
     * tensor, every row is computed once and in order (no recomputation), no write or shift leaves its buffer, and
     * the output ends complete.
     *
     * @throws IllegalStateException naming the step and the rule broken
     */
    public void verify() {
        int n = layers.size();
        int[][] holds = new int[n + 1][];
        holds[0] = new int[inHeight];
        for (int r = 0; r < inHeight; r++) {
            holds[0][r] = r;
        }
        for (int t = 1; t <= n; t++) {
            holds[t] = new int[t == n ? height(n) : capacityRows[t]];
            Arrays.fill(holds[t], -1);
        }
        int[] next = new int[n];
        // which (tensor, row) each workspace byte holds: line buffers may share bytes (an in-place layer's output row
        // over its input's dying row), so every read is also checked byte by byte
        long[] owner = new long[Math.toIntExact(workspaceBytes)];
        Arrays.fill(owner, -1);
        for (int s = 0; s < steps.size(); s++) {
            Step step = steps.get(s);
            if (step instanceof Shift sh) {
                int[] b = holds[sh.tensor()];
                if (sh.tensor() < 1 || sh.tensor() >= n || sh.fromRow() < 0 || sh.rows() < 1
                        || sh.fromRow() + sh.rows() > b.length) {
                    throw new IllegalStateException("band step " + s + ": shift " + sh + " leaves its buffer");
                }
                System.arraycopy(b, sh.fromRow(), b, 0, sh.rows());
                int rb = rowBytes(sh.tensor());
                int base = Math.toIntExact(bufferOffsets[sh.tensor()]);
                System.arraycopy(owner, base + sh.fromRow() * rb, owner, base, sh.rows() * rb);
                continue;
            }
            Compute c = (Compute) step;
            BandLayer l = layers.get(c.layer());
            if (c.y0() != next[c.layer()] || c.y1() <= c.y0() || c.y1() > l.outHeight()) {
                throw new IllegalStateException("band step " + s + ": layer " + c.layer() + " computes rows ["
                        + c.y0() + ", " + c.y1() + ") after row " + next[c.layer()] + " (each row once, in order)");
            }
            for (int k = 0; k < l.inputs().size(); k++) {
                Window w = c.inputs().get(k);
                if (w.tensor() != l.inputs().get(k)) {
                    throw new IllegalStateException("band step " + s + ": window " + k + " reads tensor "
                            + w.tensor() + ", the layer reads " + l.inputs().get(k));
                }
                checkWindow(s, c, l, w, holds[w.tensor()], height(w.tensor()));
                checkBytes(s, w, holds[w.tensor()], owner);
            }
            int o = c.layer() + 1;
            if (o < n && l.kind() == BandLayer.Kind.CONV && bufferOffsets[o] <= bufferOffsets[l.inputs().get(0)]
                    && bufferOffsets[o] + rowBytes(o) > bufferOffsets[l.inputs().get(0)]
                    && bufferOffsets[l.inputs().get(0)] - bufferOffsets[o] < l.inPlaceLead()) {
                throw new IllegalStateException("band step " + s + ": layer " + c.layer() + " writes over its input"
                        + " less than its lead of " + l.inPlaceLead() + " bytes before it");
            }
            int[] out = holds[o];
            for (int y = c.y0(); y < c.y1(); y++) {
                int pos = c.outRowOffset() + y - c.y0();
                if (pos < 0 || pos >= out.length) {
                    throw new IllegalStateException("band step " + s + ": row " + y + " of layer " + c.layer()
                            + " goes to buffer row " + pos + " of " + out.length);
                }
                out[pos] = y;
                if (o < n) {
                    int from = Math.toIntExact(bufferOffsets[o] + (long) pos * rowBytes(o));
                    Arrays.fill(owner, from, from + rowBytes(o), ((long) o << 32) | y);
                }
            }
            next[c.layer()] = c.y1();
        }
        int[] out = holds[n];
        for (int y = 0; y < out.length; y++) {
            if (out[y] != y) {
                throw new IllegalStateException("band program leaves output row " + y + " uncomputed");
            }
        }
    }

    /** Every workspace byte window {@code w} reads holds the row the row model says is there. */
    private void checkBytes(int s, Window w, int[] buffer, long[] owner) {
        int t = w.tensor();
        if (t == 0 || t == layers.size()) {
            return;
        }
        int rb = rowBytes(t);
        for (int r = w.rowOffset(); r < w.rowOffset() + w.rows(); r++) {
            long expected = ((long) t << 32) | buffer[r];
            int from = Math.toIntExact(bufferOffsets[t] + (long) r * rb);
            for (int b = from; b < from + rb; b++) {
                if (owner[b] != expected) {
                    throw new IllegalStateException("band step " + s + ": tensor " + t + " row " + buffer[r]
                            + " at buffer row " + r + " was overwritten (workspace byte " + b + ")");
                }
            }
        }
    }

    private static void checkWindow(int s, Compute c, BandLayer l, Window w, int[] buffer, int height) {
        if (w.rows() < 1 || w.rowOffset() < 0 || w.rowOffset() + w.rows() > buffer.length || w.padTop() < 0) {
            throw new IllegalStateException("band step " + s + ": window " + w + " leaves its buffer of "
                    + buffer.length + " rows");
        }
        int kernel = l.kind() == BandLayer.Kind.CONV ? l.kernel() : 1;
        int stride = l.kind() == BandLayer.Kind.CONV ? l.stride() : 1;
        int pad = l.kind() == BandLayer.Kind.CONV ? l.padTop() : 0;
        for (int oy = 0; oy < c.y1() - c.y0(); oy++) {
            for (int i = 0; i < kernel; i++) {
                int rel = oy * stride - w.padTop() + i;
                int abs = (c.y0() + oy) * stride - pad + i;
                boolean inTensor = abs >= 0 && abs < height;
                boolean seen = rel >= 0 && rel < w.rows();
                if (inTensor != seen || seen && buffer[w.rowOffset() + rel] != abs) {
                    throw new IllegalStateException("band step " + s + ": layer " + c.layer() + " row "
                            + (c.y0() + oy) + " tap " + i + " wants tensor " + w.tensor() + " row " + abs + " but "
                            + (seen ? "finds row " + buffer[w.rowOffset() + rel] : "sees padding"));
                }
            }
        }
    }

    /**
     * The window a conv layer's kernel sees for output rows {@code [y0, y1)} when tensor {@code t} ({@code height}
     * rows) has rows {@code [begin, end)} in its buffer (the buffer's row 0 is row {@code begin}): from the window's
     * first row, or from the buffer's start with the missing rows above it as padding (then {@code begin} is 0), to
     * the last row the band reads, so a kernel touches no row it does not need (rows after it are padding exactly
     * when they are outside the tensor).
     */
    public static Window convWindow(BandLayer l, int t, int y0, int y1, int begin, int end, int height) {
        int firstRow = l.firstInputRow(y0);
        int first = Math.max(0, firstRow) - begin; // the window's first row in the tensor, relative to the buffer
        int last = Math.min(end, l.inputRowsEnd(y1, height)) - begin;
        return new Window(t, first, last - first, Math.max(0, firstRow) - firstRow);
    }

    /** The demand-driven producer: {@code capacity == null} measures spans with eager drops, else shifts lazily. */
    private static final class Sim {
        private final List<BandLayer> layers;
        private final int[] height;
        private final int[] capacity;
        private final int bandRows;
        private final int[] next;
        private final int[] start;
        private final int[] maxSpan;
        private final List<List<Integer>> consumers = new ArrayList<>();
        private final List<Step> steps = new ArrayList<>();
        /** Per tensor, the layer writing its output over it ({@link #hosts}), or -1. */
        private final int[] host;

        Sim(List<BandLayer> layers, int[] height, int bandRows, int[] capacity, int[] host) {
            this.layers = layers;
            this.bandRows = bandRows;
            this.height = height;
            this.capacity = capacity;
            this.host = host;
            this.next = new int[layers.size()];
            this.start = new int[layers.size() + 1];
            this.maxSpan = new int[layers.size() + 1];
            for (int t = 0; t <= layers.size(); t++) {
                consumers.add(consumers(layers, t));
                if (host[t] >= 0) {
                    start[t] = hostStart(t, 0);
                }
            }
        }

        /**
         * Where tensor {@code t}'s buffer starts for its in-place layer's output row {@code y}: at the window's first
         * row when that row dies with the step (the output goes over it), else one row before it (a free row).
         */
        private int hostStart(int t, int y) {
            BandLayer l = layers.get(host[t]);
            int first = Math.max(0, l.firstInputRow(y));
            int nextFirst = y + 1 < l.outHeight() ? Math.max(0, l.firstInputRow(y + 1)) : height[t];
            return nextFirst > first ? first : first - 1;
        }

        /** Moves tensor {@code t}'s rows so its buffer starts as its in-place layer's step {@code y} needs. */
        private void arrange(int t, int y) {
            int s = hostStart(t, y);
            if (s <= start[t]) {
                return;
            }
            if (capacity != null && computedEnd(t) > s) {
                steps.add(new Shift(t, s - start[t], computedEnd(t) - s));
            }
            start[t] = s;
        }

        void run() {
            int last = layers.size() - 1;
            int rows = layers.get(last).outHeight();
            for (int y = 0; y < rows; y += bandRows) {
                produce(last, Math.min(rows, y + bandRows));
            }
        }

        /** End of the rows of tensor {@code t} computed so far. */
        private int computedEnd(int t) {
            return t == 0 ? height[0] : next[t - 1];
        }

        /** The lowest row of tensor {@code t} a consumer's next window reads (its computed end when none does). */
        private int firstNeeded(int t) {
            int lo = computedEnd(t);
            for (int c : consumers.get(t)) {
                BandLayer l = layers.get(c);
                if (next[c] < l.outHeight()) {
                    lo = Math.min(lo, l.kind() == BandLayer.Kind.CONV ? Math.max(0, l.firstInputRow(next[c]))
                            : next[c]);
                }
            }
            return lo;
        }

        /** Computes layer {@code j}'s rows up to {@code yEnd}, at most {@code bandRows} rows per call. */
        private void produce(int j, int yEnd) {
            while (next[j] < yEnd) {
                produceChunk(j, Math.min(yEnd, next[j] + bandRows));
            }
        }

        private void produceChunk(int j, int yEnd) {
            BandLayer l = layers.get(j);
            int y0 = next[j];
            for (int t : l.inputs()) {
                int need = l.kind() == BandLayer.Kind.CONV ? l.inputRowsEnd(yEnd, height[t]) : yEnd;
                if (t > 0) {
                    produce(t - 1, need);
                }
            }
            for (int t : l.inputs()) {
                if (host[t] == j) {
                    arrange(t, y0);
                }
            }
            int out = j + 1;
            if (out < layers.size() && host[out] >= 0) {
                arrange(out, next[host[out]]);
                maxSpan[out] = Math.max(maxSpan[out], yEnd - start[out]);
            } else if (out < layers.size()) {
                int lo = firstNeeded(out);
                maxSpan[out] = Math.max(maxSpan[out], yEnd - lo);
                if (capacity == null) {
                    start[out] = lo;
                } else if (yEnd - start[out] > capacity[out]) {
                    if (y0 > lo) {
                        steps.add(new Shift(out, lo - start[out], y0 - lo));
                    }
                    start[out] = lo;
                }
            }
            List<Window> windows = new ArrayList<>();
            for (int t : l.inputs()) {
                windows.add(window(l, t, y0, yEnd));
            }
            steps.add(new Compute(j, y0, yEnd, windows, y0 - start[out]));
            next[j] = yEnd;
        }

        private Window window(BandLayer l, int t, int y0, int y1) {
            if (l.kind() == BandLayer.Kind.ELEMENTWISE) {
                return new Window(t, y0 - start[t], y1 - y0, 0);
            }
            return convWindow(l, t, y0, y1, start[t], computedEnd(t), height[t]);
        }
    }
}
