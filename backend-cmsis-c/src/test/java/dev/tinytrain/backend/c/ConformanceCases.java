package dev.tinytrain.backend.c;

import static dev.tinytrain.backend.c.CCase.f32;
import static dev.tinytrain.backend.c.CCase.i32;

import dev.tinytrain.backend.jvm.kernels.ArenaAccess;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.fast.FastExpandDepthwise;
import dev.tinytrain.backend.jvm.fast.Scratch;
import dev.tinytrain.backend.jvm.kernels.CounterRng;
import dev.tinytrain.backend.jvm.kernels.ExpandDepthwise;
import dev.tinytrain.backend.jvm.kernels.Float32Math;
import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.backend.jvm.kernels.LossKernels;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.backend.jvm.kernels.StepKernels;
import dev.tinytrain.backend.jvm.kernels.StreamedKernels;
import dev.tinytrain.backend.jvm.kernels.UpdateKernels;
import dev.tinytrain.planner.DepthwiseInPlace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Random conformance cases for every C kernel: inputs in a garbage-filled arena at random offsets (so a stray
 * write shows up as a byte difference), the JVM kernel's result as the expectation.
 *
 * <p>Shapes cover stride 1 and 2, kernels 1/3/5/7 (and non-square ones), dense / depthwise / grouped convs
 * (including channel multipliers), odd sizes, windows entirely in padding, more than 65793 terms per output
 * (int64 sums, whose float conversion rounds a tie); values are drawn so that exact ties ({@code .5} before rounding), saturation and clamp masks, zero /
 * negative zero / subnormal floats, and int32 bias rounding above 2^24 all occur.
 */
final class ConformanceCases {

    /** Case sizes: the emulator driver has a 272 KB buffer pool and runs at about 1e9 instructions/s. */
    enum Profile {
        HOST(12, 24, 4, 4000, 100_000),
        QEMU(8, 12, 2, 600, 16_000);

        final int maxHw;
        final int maxC;
        final int reps;
        final int maxCount;
        final int sweep;

        Profile(int maxHw, int maxC, int reps, int maxCount, int sweep) {
            this.maxHw = maxHw;
            this.maxC = maxC;
            this.reps = reps;
            this.maxCount = maxCount;
            this.sweep = sweep;
        }
    }

    private final Random r;
    private final Profile p;

    ConformanceCases(long seed, Profile profile) {
        this.r = new Random(seed ^ Long.getLong("tinytrain.c.seed", 0L));
        this.p = profile;
    }

    // =================================================================================================== helpers

    private int between(int lo, int hi) {
        return lo + r.nextInt(hi - lo + 1);
    }

    private <T> T pick(List<T> options) {
        return options.get(r.nextInt(options.size()));
    }

    private int zeroPoint() {
        int c = r.nextInt(6);
        return c == 0 ? -128 : c == 1 ? 127 : c == 2 ? 0 : between(-128, 127);
    }

    private float log2Uniform(double lo, double hi) {
        return (float) Math.pow(2, lo + (hi - lo) * r.nextDouble());
    }

    /** A gradient-like float: mostly normal values over many magnitudes, sometimes +-0 or subnormal. */
    private float gradFloat() {
        int c = r.nextInt(40);
        if (c == 0) {
            return 0.0f;
        }
        if (c == 1) {
            return -0.0f;
        }
        if (c == 2) {
            return Float.MIN_VALUE * between(-5000, 5000); // subnormal
        }
        if (c == 3) {
            return between(-50, 50); // small integers: exact sums and cancellations
        }
        return (float) (r.nextGaussian() * Math.pow(2, between(-20, 6)));
    }

    private float[] gradFloats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = gradFloat();
        }
        return v;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private int[] subset(int n) {
        // a random non-empty subset of [0, n), in random order (the kernels do not need it sorted)
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, r);
        int k = between(1, n);
        return all.subList(0, k).stream().mapToInt(Integer::intValue).toArray();
    }

    /** Regions at random offsets with random gaps; the arena starts as random garbage. */
    private final class Layout {
        private int size = r.nextInt(9);

        int int8(int n) {
            int off = size + r.nextInt(5);
            size = off + n;
            return off;
        }

        int f32(int n) {
            int off = (size + r.nextInt(9) + 3) & ~3;
            size = off + 4 * n;
            return off;
        }

        byte[] arena() {
            return randomBytes(size + r.nextInt(9));
        }
    }

    private static void putFloats(byte[] arena, int off, float[] v) {
        for (int i = 0; i < v.length; i++) {
            ArenaAccess.putFloat(arena, off + 4 * i, v[i]);
        }
    }

    private static int[] geomInts(ConvGeom g) {
        return new int[] {g.inH(), g.inW(), g.inC(), g.outH(), g.outW(), g.outC(), g.kH(), g.kW(), g.strideH(),
            g.strideW(), g.padH(), g.padW(), g.groups()};
    }

    private static int[] concat(int[] a, int... b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private enum ConvKind { DENSE, DEPTHWISE, GROUPED }

    /** in_c and out_c (and groups) of a conv of the kind. */
    private int[] channels(ConvKind kind) {
        int maxC = p.maxC;
        return switch (kind) {
            case DENSE -> new int[] {between(1, maxC), between(1, maxC), 1};
            case DEPTHWISE -> {
                int c = r.nextInt(8) == 0 ? 1 : between(1, maxC);
                yield new int[] {c, c, c};
            }
            case GROUPED -> {
                int groups = between(2, 4);
                int cpg = between(1, Math.max(1, maxC / (2 * groups)));
                int opg = between(1, Math.max(1, maxC / (2 * groups)));
                if (cpg == 1 && opg == 1) {
                    opg = 2; // channel multiplier 2: groups == in_c but out_c = 2 * in_c, OHWI layout
                }
                yield new int[] {groups * cpg, groups * opg, groups};
            }
        };
    }

    private ConvGeom randomGeom(ConvKind kind, int k, int stride) {
        int[] ch = channels(kind);
        int inH = between(1, p.maxHw);
        int inW = between(1, p.maxHw);
        if (r.nextInt(4) == 0) {
            // non-square kernel, different strides and paddings per dimension
            int kH = k;
            int kW = pick(List.of(1, 2, 3, 5));
            int sH = stride;
            int sW = between(1, 3);
            int padH = between(0, kH - 1);
            int padW = between(0, kW - 1);
            inH = Math.max(inH, kH);
            inW = Math.max(inW, kW);
            return new ConvGeom(inH, inW, ch[0], (inH + 2 * padH - kH) / sH + 1, (inW + 2 * padW - kW) / sW + 1,
                    ch[1], kH, kW, sH, sW, padH, padW, ch[2]);
        }
        return ConvGeom.of(inH, inW, ch[0], ch[1], k, stride, ch[2]);
    }

    // =================================================================================================== forward

    List<CCase> conv2d() {
        List<CCase> cases = new ArrayList<>();
        for (ConvKind kind : ConvKind.values()) {
            for (int k : new int[] {1, 3, 5, 7}) {
                for (int stride : new int[] {1, 2}) {
                    for (int rep = 0; rep < p.reps; rep++) {
                        cases.add(conv2dCase(CKernel.CONV2D, kind, k, stride, rep % 3, false));
                    }
                }
            }
        }
        // depthwise in place: the output starts DepthwiseInPlace.minimumLead bytes before its input
        for (int k : new int[] {1, 3, 5, 7}) {
            for (int stride : new int[] {1, 2}) {
                for (int rep = 0; rep < p.reps; rep++) {
                    cases.add(conv2dCase(CKernel.CONV2D, ConvKind.DEPTHWISE, k, stride, rep % 3, true));
                }
            }
        }
        // int64 sums; the extreme ones are 2^7 * (an odd 25-bit number): (float) sum is an exact tie
        cases.add(conv2dWide(false, true));
        cases.add(conv2dWide(true, true));
        if (p == Profile.HOST) {
            cases.add(conv2dWide(false, false));
            cases.add(conv2dWide(true, false));
        }
        return cases;
    }

    /**
     * A random conv of the kind, computed by ForwardKernels.conv2d; the C side runs {@code kernel} (tt_conv2d, or a
     * fast variant with the same arguments) on it.
     */
    private CCase conv2dCase(CKernel kernel, ConvKind kind, int k, int stride, int regimeHint, boolean inPlace) {
        return conv2dCase(kernel, kind, k, stride, regimeHint, inPlace, false);
    }

    /**
     * wideRows: a few rows of 32 to 52 outputs (tt_depthwise_conv's channel-major pass); in place, the output then
     * leads the input by a whole number of positions (the minimum lead rounded up to a multiple of the channels).
     */
    private CCase conv2dCase(CKernel kernel, ConvKind kind, int k, int stride, int regimeHint, boolean inPlace,
            boolean wideRows) {
        int[] ch = channels(kind);
        int inC = ch[0], outC = ch[1], groups = ch[2];
        int kH = k;
        int kW = r.nextInt(5) == 0 ? pick(List.of(1, 2, 3, 5)) : k;
        int inH = wideRows ? between(1, 4) : between(1, p.maxHw);
        int inW = wideRows ? between(32, 52) * stride + kW : between(1, p.maxHw);
        int padTop, padLeft, outH, outW;
        if (r.nextInt(3) > 0) { // FORMAT.md padding
            padTop = (kH - 1) / 2;
            padLeft = (kW - 1) / 2;
            outH = Math.max(1, (inH + 2 * padTop - kH) / stride + 1);
            outW = Math.max(1, (inW + 2 * padLeft - kW) / stride + 1);
        } else { // asymmetric: bottom/right padding implied by the output size, windows may lie in padding
            padTop = between(0, kH);
            padLeft = between(0, kW);
            outH = between(1, (inH + padTop + kH) / stride + 1);
            outW = between(1, (inW + padLeft + kW) / stride + 1);
        }
        int cpg = inC / groups;
        byte[] weight = randomBytes(outC * kH * kW * cpg);
        int xZero = zeroPoint();
        int yZero = zeroPoint();
        float[] bias = new float[outC];
        float[] eff = new float[outC];
        int regime = r.nextInt(4) == 0 ? r.nextInt(3) : regimeHint;
        String regimeName;
        for (int o = 0; o < outC; o++) {
            switch (regime) {
                case 0 -> { // typical: small effective scales, fractional float biases
                    eff[o] = log2Uniform(-13, -6);
                    bias[o] = (float) (r.nextGaussian() * 3000);
                }
                case 1 -> { // ties: t * eff lands on x.5 exactly
                    eff[o] = pick(List.of(0.5f, 0.25f, 0.125f, 0.375f));
                    bias[o] = between(-200, 200);
                }
                default -> { // saturation: most outputs clamp at -128 or 127 (mask bits 0)
                    eff[o] = log2Uniform(-5, 1);
                    bias[o] = (float) (r.nextGaussian() * 20000);
                }
            }
        }
        regimeName = switch (regime) {
            case 0 -> "typical";
            case 1 -> "ties";
            default -> "saturating";
        };
        boolean withMask = r.nextInt(4) > 0;
        Layout l = new Layout();
        int inOff;
        int outOff;
        String placement = "";
        if (inPlace) {
            int lead = (int) DepthwiseInPlace.minimumLead(inH, inW, inC, kH, kW, stride, padTop, padLeft, outH, outW);
            if (wideRows) {
                lead = (lead + inC - 1) / inC * inC;
            }
            outOff = l.int8(Math.max(lead + inH * inW * inC, outH * outW * outC));
            inOff = outOff + lead;
            placement = " in place, lead " + lead;
        } else {
            inOff = l.int8(inH * inW * inC);
            outOff = l.int8(outH * outW * outC);
        }
        int maskOff = withMask ? l.int8(ArenaAccess.maskBytes(outH * outW * outC)) : -1;
        byte[] arena = l.arena();
        if (regime == 1 && r.nextBoolean()) { // zero-point inputs make whole windows sum to 0 (exact ties on bias)
            for (int i = 0; i < inH * inW * inC; i++) {
                if (r.nextInt(3) == 0) {
                    arena[inOff + i] = (byte) xZero;
                }
            }
        }
        String label = String.format("%s k%dx%d s%d in %dx%dx%d out %dx%dx%d groups %d pad %d,%d %s%s%s",
                kind, kH, kW, stride, inH, inW, inC, outH, outW, outC, groups, padTop, padLeft, regimeName,
                withMask ? " mask" : "", placement);
        CCase.Builder b = CCase.of(kernel, label)
                .ints(inOff, inH, inW, inC, xZero, kH, kW, stride, padTop, padLeft, groups, yZero, outOff, outH, outW,
                        outC, maskOff)
                .in(arena, weight, f32(bias), f32(eff));
        ForwardKernels.conv2d(arena, inOff, inH, inW, inC, xZero, weight, kH, kW, stride, padTop, padLeft, groups,
                bias, eff, yZero, outOff, outH, outW, outC, maskOff);
        return b.expect(arena, weight, f32(bias), f32(eff));
    }

    /** More than 65793 terms per output: an int32 sum would overflow (extreme inputs) or lose exactness. */
    private CCase conv2dWide(boolean depthwise, boolean extreme) {
        int inH, inW, inC, outC, k, groups;
        if (depthwise) {
            inH = 257;
            inW = 257;
            inC = 1;
            outC = 1;
            k = 257;
            groups = 1;
        } else {
            inH = 1;
            inW = 1;
            inC = 66_001;
            outC = 3;
            k = 1;
            groups = 1;
        }
        int n = inH * inW * inC;
        Layout l = new Layout();
        int inOff = l.int8(n);
        int outOff = l.int8(outC);
        int maskOff = l.int8(1);
        byte[] arena = l.arena();
        byte[] weight = randomBytes(outC * k * k * inC / groups);
        int xZero = -128;
        if (extreme) {
            Arrays.fill(arena, inOff, inOff + n, (byte) 127); // x - xZero = 255
            Arrays.fill(weight, (byte) -128);                 // |sum| = n * 255 * 128 > 2^31
        }
        float[] bias = new float[outC];
        float[] eff = new float[outC];
        for (int o = 0; o < outC; o++) {
            bias[o] = (float) (r.nextGaussian() * 100);
            eff[o] = extreme ? 0x1p-24f : log2Uniform(-22, -18);
        }
        String label = (depthwise ? "depthwise 257x257 kernel" : "dense 1x1, 66001 input channels")
                + (extreme ? ", sums beyond int32" : ", random") + " (int64 path)";
        CCase.Builder b = CCase.of(CKernel.CONV2D, label)
                .ints(inOff, inH, inW, inC, xZero, k, k, 1, 0, 0, groups, 5, outOff, 1, 1, outC, maskOff)
                .in(arena, weight, f32(bias), f32(eff));
        ForwardKernels.conv2d(arena, inOff, inH, inW, inC, xZero, weight, k, k, 1, 0, 0, groups, bias, eff, 5, outOff, 1,
                1, outC, maskOff);
        return b.expect(arena, weight, f32(bias), f32(eff));
    }

    List<CCase> quantizedAdd() {
        List<CCase> cases = new ArrayList<>();
        List<Integer> counts = new ArrayList<>(List.of(0, 1, 7, 8, 9, 63, 64, 65));
        for (int i = 0; i < 4 * p.reps; i++) {
            counts.add(between(1, p.maxCount));
        }
        for (int count : counts) {
            for (int regime = 0; regime < 3; regime++) {
                int inPlace = r.nextInt(3); // 0 separate, 1 out == A, 2 out == B
                boolean withMask = r.nextInt(4) > 0;
                Layout l = new Layout();
                int aOff = l.int8(count);
                int bOff = l.int8(count);
                int outOff = inPlace == 1 ? aOff : inPlace == 2 ? bOff : l.int8(count);
                int maskOff = withMask ? l.int8(ArenaAccess.maskBytes(count)) : -1;
                byte[] arena = l.arena();
                float aScale, bScale, yScale;
                switch (regime) {
                    case 0 -> {
                        aScale = log2Uniform(-9, -3);
                        bScale = log2Uniform(-9, -3);
                        yScale = log2Uniform(-8, -3);
                    }
                    case 1 -> { // ties
                        aScale = pick(List.of(0.5f, 0.25f));
                        bScale = pick(List.of(0.5f, 0.75f));
                        yScale = pick(List.of(1.0f, 0.5f));
                    }
                    default -> { // saturation
                        aScale = log2Uniform(-4, 0);
                        bScale = log2Uniform(-4, 0);
                        yScale = log2Uniform(-9, -6);
                    }
                }
                int aZero = zeroPoint(), bZero = zeroPoint(), yZero = zeroPoint();
                CCase.Builder b = CCase.of(CKernel.QUANTIZED_ADD,
                                "count " + count + " regime " + regime + " inPlace " + inPlace + (withMask ? " mask" : ""))
                        .ints(aOff, aZero, bOff, bZero, count, yZero, outOff, maskOff)
                        .floats(aScale, bScale, yScale)
                        .in(arena);
                ForwardKernels.quantizedAdd(arena, aOff, aZero, aScale, bOff, bZero, bScale, count, yZero, yScale,
                        outOff, maskOff);
                cases.add(b.expect(arena));
            }
        }
        return cases;
    }

    List<CCase> globalAvgPool() {
        List<CCase> cases = new ArrayList<>();
        int[][] shapes = {{4, 4, 16}, {1, 1, 5}, {2, 2, 8}, {3, 5, 7}, {7, 7, 3}, {4, 4, 1}, {5, 3, 33}};
        List<int[]> all = new ArrayList<>(Arrays.asList(shapes));
        for (int i = 0; i < 4 * p.reps; i++) {
            all.add(new int[] {between(1, p.maxHw), between(1, p.maxHw), between(1, 4 * p.maxC)});
        }
        for (int[] s : all) {
            for (int fill = 0; fill < 3; fill++) {
                Layout l = new Layout();
                int n = s[0] * s[1] * s[2];
                int inOff = l.int8(n);
                int outOff = l.int8(s[2]);
                byte[] arena = l.arena();
                if (fill == 1) { // small values: many exact .5 means at 4x4 / 2x2
                    for (int i = 0; i < n; i++) {
                        arena[inOff + i] = (byte) between(-3, 3);
                    }
                } else if (fill == 2) { // extremes
                    for (int i = 0; i < n; i++) {
                        arena[inOff + i] = (byte) (r.nextBoolean() ? -128 : 127);
                    }
                }
                CCase.Builder b = CCase.of(CKernel.GLOBAL_AVG_POOL, Arrays.toString(s) + " fill " + fill)
                        .ints(inOff, s[0], s[1], s[2], outOff).in(arena);
                ForwardKernels.globalAvgPool(arena, inOff, s[0], s[1], s[2], outOff);
                cases.add(b.expect(arena));
            }
        }
        return cases;
    }

    List<CCase> dequantizeAndLinear() {
        List<CCase> cases = new ArrayList<>();
        for (int count : new int[] {0, 1, 5, 64, between(1, p.maxCount)}) {
            Layout l = new Layout();
            int inOff = l.int8(count);
            int outOff = l.f32(count);
            byte[] arena = l.arena();
            int zero = zeroPoint();
            float scale = log2Uniform(-10, 2);
            CCase.Builder b = CCase.of(CKernel.DEQUANTIZE, "count " + count).ints(inOff, count, zero, outOff)
                    .floats(scale).in(arena);
            ForwardKernels.dequantize(arena, inOff, count, zero, scale, outOff);
            cases.add(b.expect(arena));
        }
        int[][] shapes = {{0, 3}, {4, 0}, {1, 1}, {5, 10}, {64, 10}, {200, 37}, {between(1, 300), between(1, 40)}};
        for (int[] s : shapes) {
            int k = s[0], n = s[1];
            Layout l = new Layout();
            int inOff = l.f32(k);
            int outOff = l.f32(n);
            byte[] arena = l.arena();
            putFloats(arena, inOff, gradFloats(k));
            float[] weight = gradFloats(n * k);
            float[] bias = gradFloats(n);
            CCase.Builder b = CCase.of(CKernel.LINEAR, "k " + k + " n " + n).ints(inOff, k, n, outOff)
                    .in(arena, f32(weight), f32(bias));
            ForwardKernels.linear(arena, inOff, k, weight, bias, n, outOff);
            cases.add(b.expect(arena, f32(weight), f32(bias)));
        }
        return cases;
    }

    // =================================================================================================== arena, geometry

    List<CCase> arenaAccessAndGeometry() {
        List<CCase> cases = new ArrayList<>();
        for (int rep = 0; rep < 10; rep++) {
            Layout l = new Layout();
            int fSrc = l.f32(1), fDst = l.f32(1), iSrc = l.f32(1), iDst = l.f32(1);
            int nBits = between(0, 40);
            int maskOff = l.int8(ArenaAccess.maskBytes(nBits) + 1);
            byte[] arena = l.arena();
            ArenaAccess.putFloat(arena, fSrc, gradFloat());
            int maskCount = pick(List.of(0, 1, 7, 8, 9, between(0, 1 << 20), Integer.MAX_VALUE));
            int[] bits = new int[nBits + 1];
            CCase.Builder b = CCase.of(CKernel.ARENA_ACCESS, "bits " + nBits + " count " + maskCount)
                    .ints(fSrc, fDst, iSrc, iDst, maskOff, nBits, maskCount).in(arena, i32(bits));
            ArenaAccess.putFloat(arena, fDst, ArenaAccess.getFloat(arena, fSrc));
            ArenaAccess.putInt(arena, iDst, ArenaAccess.getInt(arena, iSrc));
            for (int i = 0; i < nBits; i++) {
                bits[i] = ArenaAccess.getMaskBit(arena, maskOff, i) ? 1 : 0;
            }
            bits[nBits] = ArenaAccess.maskBytes(maskCount);
            cases.add(b.expect(arena, i32(bits)));
        }
        for (int rep = 0; rep < 40; rep++) {
            ConvKind kind = pick(List.of(ConvKind.values()));
            ConvGeom g;
            int[] ch = channels(kind);
            int k = pick(List.of(1, 3, 5, 7));
            int stride = between(1, 3);
            int inH = between(1, 20), inW = between(1, 20);
            g = ConvGeom.of(inH, inW, ch[0], ch[1], k, stride, ch[2]);
            int o = r.nextInt(g.outC());
            int kh = r.nextInt(k), kw = r.nextInt(k), i = r.nextInt(g.inPerGroup());
            int[] channels = r.nextBoolean() ? null : subset(g.inPerGroup());
            int[] fields = new int[21];
            CCase.Builder b = CCase.of(CKernel.CONV_GEOM, g.toString())
                    .ints(inH, inW, ch[0], ch[1], k, stride, ch[2], o, kh, kw, i)
                    .in(i32(fields), i32(channels));
            System.arraycopy(geomInts(g), 0, fields, 0, 13);
            fields[13] = 1; // the record constructor accepted it
            fields[14] = g.depthwise() ? 1 : 0;
            fields[15] = g.inPerGroup();
            fields[16] = g.outPerGroup();
            fields[17] = g.weightCount();
            fields[18] = g.outPositions();
            fields[19] = g.weightIndex(o, kh, kw, i);
            fields[20] = g.channelWorkspaceFloats(channels);
            cases.add(b.expect(i32(fields), i32(channels)));
        }
        for (int rep = 0; rep < 200; rep++) {
            int[] v = new int[13];
            for (int j = 0; j < 13; j++) {
                v[j] = between(-1, 9);
            }
            if (r.nextBoolean()) { // often make it consistent, so both answers occur
                v[3] = v[8] != 0 ? (v[0] + 2 * v[10] - v[6]) / v[8] + 1 : v[3];
                v[4] = v[9] != 0 ? (v[1] + 2 * v[11] - v[7]) / v[9] + 1 : v[4];
            }
            int valid;
            try {
                new ConvGeom(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]);
                valid = 1;
            } catch (IllegalArgumentException | ArithmeticException e) {
                valid = 0;
            }
            cases.add(CCase.of(CKernel.CONV_GEOM_VALID, Arrays.toString(v)).ints(v).in(i32(new int[1]))
                    .expect(i32(new int[] {valid})));
        }
        return cases;
    }

    // =================================================================================================== backward

    List<CCase> gradientElementwise() {
        List<CCase> cases = new ArrayList<>();
        for (int n : new int[] {0, 1, 8, 13, 100, between(1, p.maxCount)}) {
            for (int inPlace = 0; inPlace < 2; inPlace++) {
                // applyClampMask (both overloads)
                Layout l = new Layout();
                int src = l.f32(n);
                int dst = inPlace == 1 ? src : l.f32(n);
                int mask = l.int8(ArenaAccess.maskBytes(n));
                byte[] arena = l.arena();
                putFloats(arena, src, gradFloats(n));
                CCase.Builder b = CCase.of(CKernel.APPLY_CLAMP_MASK, "n " + n + " inPlace " + inPlace)
                        .ints(src, mask, dst, n).in(arena);
                if (inPlace == 1) {
                    BackwardKernels.applyClampMask(arena, src, mask, n);
                } else {
                    BackwardKernels.applyClampMask(arena, src, mask, dst, n);
                }
                cases.add(b.expect(arena));

                // dequantizeBackward
                l = new Layout();
                int g = l.f32(n);
                dst = inPlace == 1 ? g : l.f32(n);
                arena = l.arena();
                putFloats(arena, g, gradFloats(n));
                float xScale = log2Uniform(-10, 0);
                b = CCase.of(CKernel.DEQUANTIZE_BACKWARD, "n " + n).ints(g, n, dst).floats(xScale).in(arena);
                BackwardKernels.dequantizeBackward(arena, g, n, xScale, dst);
                cases.add(b.expect(arena));

                // addBackward, with skipped outputs and in place
                for (int skip = 0; skip < 3; skip++) {
                    l = new Layout();
                    g = l.f32(n);
                    int dx1 = skip == 1 ? -1 : (inPlace == 1 ? g : l.f32(n));
                    int dx2 = skip == 2 ? -1 : l.f32(n);
                    arena = l.arena();
                    putFloats(arena, g, gradFloats(n));
                    float sy = log2Uniform(-8, -2), s1 = log2Uniform(-8, -2), s2 = log2Uniform(-8, -2);
                    b = CCase.of(CKernel.ADD_BACKWARD, "n " + n + " skip " + skip + " inPlace " + inPlace)
                            .ints(g, n, dx1, dx2).floats(sy, s1, s2).in(arena);
                    BackwardKernels.addBackward(arena, g, n, sy, s1, s2, dx1, dx2);
                    cases.add(b.expect(arena));
                }
            }
        }
        // output-gradient masking and scaling
        for (int rep = 0; rep < 6 * p.reps; rep++) {
            int positions = between(0, 40), channels = between(1, p.maxC);
            int n = positions * channels;
            boolean inPlace = r.nextBoolean();
            float[] eff = new float[channels];
            for (int o = 0; o < channels; o++) {
                eff[o] = log2Uniform(-14, -4);
            }
            Layout l = new Layout();
            int g = l.f32(n);
            int dst = inPlace ? g : l.f32(n);
            int mask = l.int8(ArenaAccess.maskBytes(n));
            byte[] arena = l.arena();
            putFloats(arena, g, gradFloats(n));
            CCase.Builder b = CCase.of(CKernel.MASK_AND_SCALE_OUTPUT_GRAD, positions + "x" + channels)
                    .ints(g, mask, positions, channels, dst).in(arena, f32(eff));
            BackwardKernels.maskAndScaleOutputGrad(arena, g, mask, eff, positions, channels, dst);
            cases.add(b.expect(arena, f32(eff)));
        }
        // average pool backward
        for (int rep = 0; rep < 4 * p.reps; rep++) {
            int h = between(1, 7), w = between(1, 7), c = between(1, 2 * p.maxC);
            boolean accumulate = r.nextBoolean();
            Layout l = new Layout();
            int g = l.f32(c);
            int dx = l.f32(h * w * c);
            byte[] arena = l.arena();
            putFloats(arena, g, gradFloats(c));
            putFloats(arena, dx, gradFloats(h * w * c));
            CCase.Builder b = CCase.of(CKernel.AVG_POOL_BACKWARD, h + "x" + w + "x" + c + " acc " + accumulate)
                    .ints(g, h, w, c, dx, accumulate ? 1 : 0).in(arena);
            BackwardKernels.avgPoolBackward(arena, g, h, w, c, dx, accumulate);
            cases.add(b.expect(arena));
        }
        return cases;
    }

    List<CCase> convBackward() {
        List<CCase> cases = new ArrayList<>();
        for (ConvKind kind : ConvKind.values()) {
            for (int k : new int[] {1, 3, 5, 7}) {
                for (int stride : new int[] {1, 2}) {
                    for (int rep = 0; rep < Math.max(1, p.reps - 1); rep++) {
                        ConvGeom g = randomGeom(kind, k, stride);
                        cases.add(convInputGrad(g));
                        cases.add(convWeightGrad(g));
                        cases.add(convWeightGradChannel(g));
                        cases.add(convBiasGrad(g, r.nextBoolean()));
                    }
                }
            }
        }
        return cases;
    }

    private CCase convInputGrad(ConvGeom g) {
        boolean accumulate = r.nextBoolean();
        int outN = g.outH() * g.outW() * g.outC();
        int inN = g.inH() * g.inW() * g.inC();
        Layout l = new Layout();
        int gOff = l.f32(outN);
        int dx = l.f32(inN);
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(outN));
        putFloats(arena, dx, gradFloats(inN));
        byte[] weight = randomBytes(g.weightCount());
        CCase.Builder b = CCase.of(CKernel.CONV_INPUT_GRAD, g + " acc " + accumulate)
                .ints(concat(geomInts(g), gOff, dx, accumulate ? 1 : 0)).in(arena, weight);
        BackwardKernels.convInputGrad(arena, gOff, weight, g, dx, accumulate);
        return b.expect(arena, weight);
    }

    private int[] trainableChannels(ConvGeom g) {
        int n = g.depthwise() ? g.outC() : g.inPerGroup();
        return r.nextInt(3) == 0 ? null : subset(n);
    }

    private CCase convWeightGrad(ConvGeom g) {
        int[] channels = trainableChannels(g);
        Layout l = new Layout();
        int x = l.int8(g.inH() * g.inW() * g.inC());
        int gOff = l.f32(g.outH() * g.outW() * g.outC());
        int dw = l.f32(g.weightCount());
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(g.outH() * g.outW() * g.outC()));
        int xZero = zeroPoint();
        CCase.Builder b = CCase.of(CKernel.CONV_WEIGHT_GRAD, g + " channels " + Arrays.toString(channels))
                .ints(concat(geomInts(g), x, xZero, gOff, dw)).in(arena, i32(channels));
        BackwardKernels.convWeightGrad(arena, x, xZero, gOff, g, channels, dw);
        return b.expect(arena, i32(channels));
    }

    private CCase convWeightGradChannel(ConvGeom g) {
        int[] channels = g.depthwise() ? null : trainableChannels(g);
        Layout l = new Layout();
        int x = l.int8(g.inH() * g.inW() * g.inC());
        int gOff = l.f32(g.outH() * g.outW() * g.outC());
        int ws = l.f32(g.channelWorkspaceFloats(channels));
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(g.outH() * g.outW() * g.outC()));
        int xZero = zeroPoint();
        int o = r.nextInt(g.outC());
        CCase.Builder b = CCase.of(CKernel.CONV_WEIGHT_GRAD_CHANNEL, g + " o " + o + " channels " + Arrays.toString(channels))
                .ints(concat(geomInts(g), x, xZero, gOff, o, ws)).in(arena, i32(channels));
        int written = BackwardKernels.convWeightGradChannel(arena, x, xZero, gOff, g, o, channels, ws);
        return b.expectWithRet(written, arena, i32(channels));
    }

    private CCase convBiasGrad(ConvGeom g, boolean oneChannel) {
        int positions = g.outPositions(), channels = g.outC();
        Layout l = new Layout();
        int gOff = l.f32(positions * channels);
        int db = l.f32(channels);
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(positions * channels));
        if (oneChannel) {
            int o = r.nextInt(channels);
            CCase.Builder b = CCase.of(CKernel.CONV_BIAS_GRAD_CHANNEL, positions + "x" + channels + " o " + o)
                    .ints(gOff, positions, channels, o).in(arena);
            float v = BackwardKernels.convBiasGradChannel(arena, gOff, positions, channels, o);
            return b.expectWithRet(Float.floatToRawIntBits(v), arena);
        }
        CCase.Builder b = CCase.of(CKernel.CONV_BIAS_GRAD, positions + "x" + channels)
                .ints(gOff, positions, channels, db).in(arena);
        BackwardKernels.convBiasGrad(arena, gOff, positions, channels, db);
        return b.expect(arena);
    }

    List<CCase> linearBackward() {
        List<CCase> cases = new ArrayList<>();
        int[][] shapes = {{0, 5}, {3, 0}, {1, 1}, {10, 64}, {37, 200}, {between(1, 40), between(1, 300)}};
        for (int[] s : shapes) {
            int out = s[0], in = s[1];
            Layout l = new Layout();
            int g = l.f32(out);
            int x = l.f32(in);
            int dx = l.f32(in);
            int ws = l.f32(in);
            int dw = l.f32(out * in);
            int db = l.f32(out);
            byte[] arena = l.arena();
            putFloats(arena, g, gradFloats(out));
            putFloats(arena, x, gradFloats(in));
            float[] weight = gradFloats(out * in);
            String label = "out " + out + " in " + in;

            byte[] a = arena.clone();
            CCase.Builder b = CCase.of(CKernel.LINEAR_INPUT_GRAD, label).ints(g, out, in, dx).in(a, f32(weight));
            BackwardKernels.linearInputGrad(a, g, weight, out, in, dx);
            cases.add(b.expect(a, f32(weight)));

            if (out > 0) {
                int j = r.nextInt(out);
                a = arena.clone();
                b = CCase.of(CKernel.LINEAR_WEIGHT_GRAD_ROW, label + " j " + j).ints(g, x, in, j, ws).in(a);
                BackwardKernels.linearWeightGradRow(a, g, x, in, j, ws);
                cases.add(b.expect(a));
            }

            a = arena.clone();
            b = CCase.of(CKernel.LINEAR_WEIGHT_GRAD, label).ints(g, x, out, in, dw).in(a);
            BackwardKernels.linearWeightGrad(a, g, x, out, in, dw);
            cases.add(b.expect(a));
        }
        return cases;
    }

    // =================================================================================================== loss, exp, log

    List<CCase> loss() {
        List<CCase> cases = new ArrayList<>();
        for (int n : new int[] {1, 2, 3, 10, 37, 100}) {
            for (int rep = 0; rep < 2 * p.reps; rep++) {
                boolean inPlace = r.nextBoolean();
                Layout l = new Layout();
                int x = l.f32(n);
                int d = inPlace ? x : l.f32(n);
                byte[] arena = l.arena();
                float spread = pick(List.of(1f, 10f, 60f, 200f)); // 200: exp underflows to subnormals and 0
                float[] logits = new float[n];
                for (int i = 0; i < n; i++) {
                    logits[i] = (float) (r.nextGaussian() * spread);
                }
                if (r.nextInt(4) == 0 && n > 1) {
                    logits[1] = logits[0]; // ties in the max
                }
                putFloats(arena, x, logits);
                int label = r.nextInt(n);
                CCase.Builder b = CCase.of(CKernel.SOFTMAX_CROSS_ENTROPY,
                        "n " + n + " label " + label + " spread " + spread + " inPlace " + inPlace)
                        .ints(x, n, label, d).in(arena);
                float loss = LossKernels.softmaxCrossEntropy(arena, x, n, label, d);
                cases.add(b.expectWithRet(Float.floatToRawIntBits(loss), arena));
            }
        }
        return cases;
    }

    List<CCase> expLog() {
        List<CCase> cases = new ArrayList<>();
        int m = p.sweep;
        float[] x = new float[m];
        int i = 0;
        float[] specials = {0f, -0f, 1f, -1f, 88.72f, 88.7228f, 89f, 89.01f, -87.33f, -87.34f, -100f, -103.97f, -104f,
            -104.01f, 0x1p-30f, -0x1p-30f, Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NaN, -37.776226f, 0.5f * (float) Math.log(2)};
        for (float s : specials) {
            x[i++] = s;
        }
        while (i < m) {
            int c = r.nextInt(4);
            x[i++] = c == 0 ? (float) (r.nextDouble() * 200 - 110) // the whole interesting range
                    : c == 1 ? (float) (r.nextGaussian() * 3)     // the range softmax uses
                    : c == 2 ? (float) (r.nextDouble() * 17 - 104) // subnormal results
                    : Float.intBitsToFloat(r.nextInt());            // any bit pattern
            if (Float.isNaN(x[i - 1])) {
                x[i - 1] = Float.NaN; // canonical quiet NaN (payload propagation is not part of the contract)
            }
        }
        float[] e = new float[m];
        CCase.Builder b = CCase.of(CKernel.EXPF, m + " arguments").in(f32(x), f32(e));
        for (int k = 0; k < m; k++) {
            e[k] = Float32Math.exp(x[k]);
        }
        cases.add(b.expect(f32(x), f32(e)));

        float[] y = new float[m];
        i = 0;
        float[] logSpecials = {0f, -0f, 1f, -1f, Float.MIN_VALUE, Float.MIN_NORMAL, 0x1p-127f, Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.69991034f, 2f, 0.5f, 1.4142135f, 0.70710677f};
        for (float s : logSpecials) {
            y[i++] = s;
        }
        while (i < m) {
            int c = r.nextInt(4);
            y[i++] = c == 0 ? Float.intBitsToFloat(r.nextInt() & 0x7fffffff) // every positive float
                    : c == 1 ? (float) (r.nextDouble() * 4)                   // near 1
                    : c == 2 ? Float.intBitsToFloat(r.nextInt(0x00800000))    // subnormal
                    : (float) (1 + r.nextDouble() * 1e6);                     // softmax sums
            if (Float.isNaN(y[i - 1])) {
                y[i - 1] = 1.5f;
            }
        }
        float[] lg = new float[m];
        b = CCase.of(CKernel.LOGF, m + " arguments").in(f32(y), f32(lg));
        for (int k = 0; k < m; k++) {
            lg[k] = Float32Math.log(y[k]);
        }
        cases.add(b.expect(f32(y), f32(lg)));
        return cases;
    }

    // =================================================================================================== rng, update

    List<CCase> rngAndScalars() {
        List<CCase> cases = new ArrayList<>();
        int m = p.sweep / 8;
        int[] q = new int[4 * m];
        for (int i = 0; i < q.length; i++) {
            q[i] = i < 16 ? new int[] {0, -1, 1, Integer.MIN_VALUE}[i % 4] : r.nextInt();
        }
        int[] out = new int[4 * m];
        CCase.Builder b = CCase.of(CKernel.RNG, m + " (seed, step, paramId, index)").in(i32(q), i32(out));
        for (int i = 0; i < m; i++) {
            int key = CounterRng.key(q[4 * i], q[4 * i + 1], q[4 * i + 2]);
            out[4 * i] = CounterRng.fmix32(q[4 * i]);
            out[4 * i + 1] = key;
            out[4 * i + 2] = CounterRng.bits(key, q[4 * i + 3]);
            out[4 * i + 3] = Float.floatToRawIntBits(CounterRng.uniform(key, q[4 * i + 3]));
        }
        cases.add(b.expect(i32(q), i32(out)));

        // QAS scalars: the model's float64 scales reach C as fl32(scale), which is what Java rounds them to
        float[] in = new float[4 * m];
        double[] yD = new double[m], xD = new double[m];
        for (int i = 0; i < m; i++) {
            yD[i] = Math.pow(2, -12 + 10 * r.nextDouble());
            xD[i] = Math.pow(2, -12 + 10 * r.nextDouble());
            in[4 * i] = log2Uniform(-16, -2);
            in[4 * i + 1] = (float) yD[i];
            in[4 * i + 2] = (float) xD[i];
            in[4 * i + 3] = gradFloat();
        }
        float[] qo = new float[3 * m];
        b = CCase.of(CKernel.QAS_SCALARS, m + " (eff, yScale, xScale, g)").in(f32(in), f32(qo));
        for (int i = 0; i < m; i++) {
            qo[3 * i] = UpdateKernels.qasBiasDivisor(in[4 * i], yD[i]);
            qo[3 * i + 1] = UpdateKernels.qasWeightDivisor(in[4 * i], yD[i], xD[i]);
            qo[3 * i + 2] = UpdateKernels.qas(in[4 * i + 3], qo[3 * i + 1]);
        }
        cases.add(b.expect(f32(in), f32(qo)));

        int n = between(1, 64);
        float[] eff = new float[n];
        for (int i = 0; i < n; i++) {
            eff[i] = log2Uniform(-16, -2);
        }
        double yScale = Math.pow(2, -8 + 6 * r.nextDouble()) * (1 + r.nextDouble() * 1e-9);
        double xScale = Math.pow(2, -8 + 6 * r.nextDouble()) * (1 + r.nextDouble() * 1e-9);
        b = CCase.of(CKernel.QAS_DIVISORS, "n " + n).floats((float) yScale, (float) xScale)
                .in(f32(eff), f32(new float[n]), f32(new float[n]));
        cases.add(b.expect(f32(eff), f32(UpdateKernels.qasBiasDivisors(eff, yScale)),
                f32(UpdateKernels.qasWeightDivisors(eff, yScale, xScale))));

        // rounding: ties, saturation of int8 and int32, NaN, infinities, -0, stochastic thresholds
        float[] pu = new float[2 * m];
        float[] specials = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 126.5f, 127.5f, -127.5f, 127.49f, -128f, 1e9f, -1e9f,
            0x1p31f, -0x1p31f, 0x1p31f - 128, 3e9f, -3e9f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            -0.0f, 0x1p24f + 2, 16777217f, -0.25f, -7.000001f};
        for (int i = 0; i < m; i++) {
            int c = r.nextInt(5);
            float pv = i < specials.length ? specials[i]
                    : c == 0 ? (float) (r.nextGaussian() * 200)
                    : c == 1 ? between(-300, 300) + 0.5f
                    : c == 2 ? (float) (r.nextGaussian() * 3e9)
                    : c == 3 ? Float.intBitsToFloat(r.nextInt())
                    : (float) (r.nextGaussian() * 3);
            if (Float.isNaN(pv)) {
                pv = Float.NaN;
            }
            float pf = (float) Math.floor(pv);
            float u = r.nextInt(4) == 0 && Float.isFinite(pv) ? pv - pf // u == frac: must round down
                    : CounterRng.uniform(r.nextInt(), i);
            if (!(u >= 0 && u < 1)) {
                u = 0.5f;
            }
            pu[2 * i] = pv;
            pu[2 * i + 1] = u;
        }
        int[] ro = new int[4 * m];
        b = CCase.of(CKernel.ROUNDING, m + " (p, u)").in(f32(pu), i32(ro));
        for (int i = 0; i < m; i++) {
            float pv = pu[2 * i], u = pu[2 * i + 1];
            ro[4 * i] = UpdateKernels.roundWeightNearestEven(pv);
            ro[4 * i + 1] = UpdateKernels.roundWeightStochastic(pv, u);
            ro[4 * i + 2] = UpdateKernels.roundBiasNearestEven(pv);
            ro[4 * i + 3] = UpdateKernels.roundBiasStochastic(pv, u);
        }
        cases.add(b.expect(f32(pu), i32(ro)));

        // master copies
        byte[] w = randomBytes(between(0, 300));
        b = CCase.of(CKernel.MASTER_OF_WEIGHTS, "n " + w.length).in(w, f32(new float[w.length]));
        cases.add(b.expect(w, f32(UpdateKernels.masterOf(w))));
        int[] bias = new int[between(0, 300)];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = i < 4 ? new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 16777217, -16777219}[i] : r.nextInt();
        }
        b = CCase.of(CKernel.MASTER_OF_BIASES, "n " + bias.length).in(i32(bias), f32(new float[bias.length]));
        cases.add(b.expect(i32(bias), f32(UpdateKernels.masterOf(bias))));
        return cases;
    }

    private RoundingMode mode(int i) {
        return RoundingMode.values()[i % RoundingMode.values().length];
    }

    /** An int8 weight: often at the saturation limits. */
    private byte[] weights(int n) {
        byte[] w = randomBytes(n);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(8) == 0) {
                w[i] = (byte) (int) pick(List.of(-128, -127, 127, 0));
            }
        }
        return w;
    }

    List<CCase> updates() {
        List<CCase> cases = new ArrayList<>();
        int idx = 0;
        for (ConvKind kind : ConvKind.values()) {
            for (int k : new int[] {1, 3, 5}) {
                for (int rep = 0; rep < 2 * p.reps; rep++, idx++) {
                    ConvGeom g = randomGeom(kind, k, between(1, 2));
                    RoundingMode mode = mode(idx);
                    float lr = log2Uniform(-8, 4);
                    int key = CounterRng.key(r.nextInt(), r.nextInt(100), r.nextInt(50));

                    // one output channel from its workspace
                    int[] channels = g.depthwise() ? null : trainableChannels(g);
                    int o = r.nextInt(g.outC());
                    Layout l = new Layout();
                    int ws = l.f32(g.channelWorkspaceFloats(channels));
                    byte[] arena = l.arena();
                    putFloats(arena, ws, gradFloats(g.channelWorkspaceFloats(channels)));
                    byte[] weight = weights(g.weightCount());
                    float[] master = mode == RoundingMode.FLOAT_MASTER || r.nextBoolean()
                            ? masterNear(weight) : null;
                    float div = log2Uniform(-6, 6);
                    CCase.Builder b = CCase.of(CKernel.UPDATE_CONV_WEIGHT_CHANNEL,
                                    g + " o " + o + " " + mode + " channels " + Arrays.toString(channels))
                            .ints(concat(geomInts(g), ws, o, mode.ordinal(), key)).floats(div, lr)
                            .in(arena, i32(channels), weight, f32(master));
                    UpdateKernels.updateConvWeightChannel(arena, ws, g, o, channels, weight, master, div, lr, mode, key);
                    cases.add(b.expect(arena, i32(channels), weight, f32(master)));

                    // whole tensor
                    channels = trainableChannels(g);
                    l = new Layout();
                    int dw = l.f32(g.weightCount());
                    arena = l.arena();
                    putFloats(arena, dw, gradFloats(g.weightCount()));
                    weight = weights(g.weightCount());
                    master = mode == RoundingMode.FLOAT_MASTER || r.nextBoolean() ? masterNear(weight) : null;
                    float[] divisors = null;
                    if (r.nextBoolean()) {
                        divisors = new float[g.outC()];
                        for (int c = 0; c < divisors.length; c++) {
                            divisors[c] = log2Uniform(-6, 6);
                        }
                    }
                    b = CCase.of(CKernel.UPDATE_CONV_WEIGHT, g + " " + mode + " channels " + Arrays.toString(channels))
                            .ints(concat(geomInts(g), dw, mode.ordinal(), key)).floats(lr)
                            .in(arena, i32(channels), weight, f32(master), f32(divisors));
                    UpdateKernels.updateConvWeight(arena, dw, g, channels, weight, master, divisors, lr, mode, key);
                    cases.add(b.expect(arena, i32(channels), weight, f32(master), f32(divisors)));
                }
            }
        }
        // biases
        for (int rep = 0; rep < 12 * p.reps; rep++) {
            RoundingMode mode = mode(rep);
            int n = between(1, 3 * p.maxC);
            int[] bias = new int[n];
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(4);
                bias[i] = c == 0 ? r.nextInt() : c == 1 ? between(-2000, 2000)
                        : c == 2 ? (r.nextBoolean() ? Integer.MAX_VALUE - r.nextInt(200) : Integer.MIN_VALUE + r.nextInt(200))
                        : (int) (r.nextGaussian() * (1 << 26));
            }
            float[] master = mode == RoundingMode.FLOAT_MASTER || r.nextBoolean() ? UpdateKernels.masterOf(bias) : null;
            if (master != null) {
                for (int i = 0; i < n; i++) {
                    master[i] += (float) r.nextGaussian();
                }
            }
            int[] biasArg = mode == RoundingMode.FLOAT_MASTER && r.nextBoolean() ? null : bias;
            float lr = log2Uniform(-4, 12);
            int key = CounterRng.key(r.nextInt(), rep, 7);
            float[] divisors = null;
            if (r.nextBoolean()) {
                divisors = new float[n];
                for (int i = 0; i < n; i++) {
                    divisors[i] = log2Uniform(-40, -20); // (x_scale * w_scale)^2: tiny, so updates are large
                }
            }
            Layout l = new Layout();
            int db = l.f32(n);
            byte[] arena = l.arena();
            putFloats(arena, db, gradFloats(n));
            CCase.Builder b = CCase.of(CKernel.UPDATE_BIAS, "n " + n + " " + mode + (biasArg == null ? " no int copy" : ""))
                    .ints(db, n, mode.ordinal(), key).floats(lr).in(arena, i32(biasArg), f32(master), f32(divisors));
            UpdateKernels.updateBias(arena, db, n, biasArg, master, divisors, lr, mode, key);
            cases.add(b.expect(arena, i32(biasArg), f32(master), f32(divisors)));

            // one channel
            int o = r.nextInt(n);
            float grad = gradFloat();
            float div = divisors == null ? 1.0f : divisors[o];
            int[] bias2 = biasArg == null ? null : bias.clone();
            float[] master2 = master == null ? null : master.clone();
            b = CCase.of(CKernel.UPDATE_BIAS_CHANNEL, "o " + o + " " + mode).ints(o, mode.ordinal(), key)
                    .floats(grad, div, lr).in(i32(bias2), f32(master2));
            UpdateKernels.updateBiasChannel(grad, o, bias2, master2, div, lr, mode, key);
            cases.add(b.expect(i32(bias2), f32(master2)));
        }
        // float parameters (the head)
        for (int rep = 0; rep < 4; rep++) {
            int total = between(1, 400);
            int pOff = between(0, total - 1);
            int n = between(0, total - pOff);
            float[] param = gradFloats(total);
            Layout l = new Layout();
            int g = l.f32(n);
            byte[] arena = l.arena();
            putFloats(arena, g, gradFloats(n));
            float lr = log2Uniform(-10, 2);
            CCase.Builder b = CCase.of(CKernel.SGD_FLOAT, "total " + total + " from " + pOff + " n " + n)
                    .ints(pOff, g, n).floats(lr).in(arena, f32(param));
            UpdateKernels.sgdFloat(param, pOff, arena, g, n, lr);
            cases.add(b.expect(arena, f32(param)));
        }
        return cases;
    }

    private float[] masterNear(byte[] weight) {
        float[] m = UpdateKernels.masterOf(weight);
        for (int i = 0; i < m.length; i++) {
            m[i] += (float) (r.nextDouble() - 0.5) * pick(List.of(0f, 0.5f, 1f, 8f));
        }
        return m;
    }

    // =================================================================================================== storage

    /**
     * How a generated model stores an int8 conv weight (C's tt_weight): whole in Flash, whole in SRAM, or split along
     * the last axis (trainable channels in SRAM, the rest in Flash). {@code rows x width} is the weight's layout
     * with the split axis last.
     */
    private record Storage(int rows, int width, boolean wholeTrained, int[] trained) {

        boolean split() {
            return trained != null;
        }

        @Override
        public String toString() {
            return split() ? "split, trained " + Arrays.toString(trained) : wholeTrained ? "whole in SRAM" : "whole in Flash";
        }

        int[] frozenChannels() {
            boolean[] t = new boolean[width];
            for (int c : trained) {
                t[c] = true;
            }
            return java.util.stream.IntStream.range(0, width).filter(c -> !t[c]).toArray();
        }

        /** The blobs frozen, trained, slot, trained channels, frozen channels of a whole weight. */
        List<byte[]> blobs(byte[] whole) {
            if (!split()) {
                return Arrays.asList(wholeTrained ? null : whole, wholeTrained ? whole : null, null, null, null);
            }
            int[] fch = frozenChannels();
            int[] slot = new int[width];
            for (int j = 0; j < trained.length; j++) {
                slot[trained[j]] = j;
            }
            for (int j = 0; j < fch.length; j++) {
                slot[fch[j]] = -1 - j;
            }
            return Arrays.asList(part(whole, fch), part(whole, trained), i32(slot), i32(trained), i32(fch));
        }

        private byte[] part(byte[] whole, int[] ch) {
            byte[] p = new byte[rows * ch.length];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < ch.length; j++) {
                    p[r * ch.length + j] = whole[r * width + ch[j]];
                }
            }
            return p;
        }

        /** The master copy in C's layout (that of the trained part) of a whole-array master. */
        float[] master(float[] whole) {
            if (whole == null || !split()) {
                return whole;
            }
            float[] p = new float[rows * trained.length];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < trained.length; j++) {
                    p[r * trained.length + j] = whole[r * width + trained[j]];
                }
            }
            return p;
        }
    }

    private static int[] sorted(int[] v) {
        if (v == null) {
            return null;
        }
        int[] s = v.clone();
        Arrays.sort(s);
        return s;
    }

    /** rows and width of a conv weight with the split axis last. */
    private static int[] weightShape(ConvGeom g) {
        return g.depthwise() ? new int[] {g.kH() * g.kW(), g.outC()}
                : new int[] {g.outC() * g.kH() * g.kW(), g.inPerGroup()};
    }

    /** A random storage of a weight read by a forward or input-gradient kernel. */
    private Storage anyStorage(ConvGeom g) {
        int[] s = weightShape(g);
        return switch (r.nextInt(3)) {
            case 0 -> new Storage(s[0], s[1], false, null);
            case 1 -> new Storage(s[0], s[1], true, null);
            default -> new Storage(s[0], s[1], false, sorted(r.nextInt(5) == 0 ? new int[0] : subset(s[1])));
        };
    }

    /** A storage whose trainable part holds at least {@code channels} (null = every channel). */
    private Storage trainableStorage(ConvGeom g, int[] channels) {
        int[] s = weightShape(g);
        if (channels == null || r.nextInt(4) == 0) {
            return channels == null && r.nextBoolean()
                    ? new Storage(s[0], s[1], false, java.util.stream.IntStream.range(0, s[1]).toArray())
                    : new Storage(s[0], s[1], true, null);
        }
        java.util.TreeSet<Integer> t = new java.util.TreeSet<>();
        for (int c : channels) {
            t.add(c);
        }
        if (r.nextBoolean()) {
            t.add(r.nextInt(s[1])); // an extra trainable channel this update does not touch
        }
        return new Storage(s[0], s[1], false, t.stream().mapToInt(Integer::intValue).toArray());
    }

    private static byte[][] concatBlobs(List<byte[]> a, byte[]... rest) {
        List<byte[]> all = new ArrayList<>(a);
        all.addAll(Arrays.asList(rest));
        return all.toArray(new byte[0][]);
    }

    private static byte[][] concatBlobs(byte[][] head, List<byte[]> mid, byte[]... rest) {
        List<byte[]> all = new ArrayList<>(Arrays.asList(head));
        all.addAll(mid);
        all.addAll(Arrays.asList(rest));
        return all.toArray(new byte[0][]);
    }

    /** The C storage kernels (split weights, int32 biases) against the whole-array Java kernels. */
    List<CCase> parameterStorage() {
        List<CCase> cases = new ArrayList<>();
        int idx = 0;
        for (ConvKind kind : ConvKind.values()) {
            for (int k : new int[] {1, 3, 5}) {
                for (int stride : new int[] {1, 2}) {
                    for (int rep = 0; rep < p.reps; rep++, idx++) {
                        cases.add(conv2dStorage(randomGeom(kind, k, stride)));
                        cases.add(inputGradStorage(randomGeom(kind, k, stride)));
                        cases.add(updateChannelStorage(randomGeom(kind, k, stride), mode(idx)));
                    }
                }
            }
        }
        return cases;
    }

    private CCase conv2dStorage(ConvGeom g) {
        return conv2dStorage(CKernel.CONV2D_P, g);
    }

    /** A conv on random parameter storage, computed by ForwardKernels.conv2d; the C side runs {@code kernel}. */
    private CCase conv2dStorage(CKernel kernel, ConvGeom g) {
        Storage st = anyStorage(g);
        byte[] weight = weights(g.weightCount());
        int xZero = zeroPoint();
        int yZero = zeroPoint();
        boolean intBias = r.nextInt(4) > 0;
        int[] biasQ = new int[g.outC()];
        float[] view = new float[g.outC()];
        float[] eff = new float[g.outC()];
        for (int o = 0; o < g.outC(); o++) {
            biasQ[o] = r.nextInt(6) == 0 ? (r.nextBoolean() ? 16777217 + 2 * r.nextInt(1000) : -r.nextInt()) // rounds
                    : (int) (r.nextGaussian() * 3000);
            view[o] = intBias ? (float) biasQ[o] : (float) (r.nextGaussian() * 3000);
            eff[o] = r.nextInt(4) == 0 ? pick(List.of(0.5f, 0.25f)) : log2Uniform(-13, -6);
        }
        boolean withMask = r.nextBoolean();
        Layout l = new Layout();
        int inOff = l.int8(g.inH() * g.inW() * g.inC());
        int outOff = l.int8(g.outH() * g.outW() * g.outC());
        int maskOff = withMask ? l.int8(ArenaAccess.maskBytes(g.outH() * g.outW() * g.outC())) : -1;
        byte[] arena = l.arena();
        byte[] bq = intBias ? i32(biasQ) : null;
        byte[] bf = intBias ? null : f32(view);
        CCase.Builder b = CCase.of(kernel, g + " " + st + (intBias ? " int32 bias" : " float bias"))
                .ints(inOff, g.inH(), g.inW(), g.inC(), xZero, g.kH(), g.kW(), g.strideH(), g.padH(), g.padW(),
                        g.groups(), yZero, outOff, g.outH(), g.outW(), g.outC(), maskOff)
                .in(concatBlobs(new byte[][] {arena}, st.blobs(weight), bq, bf, f32(eff)));
        ForwardKernels.conv2d(arena, inOff, g.inH(), g.inW(), g.inC(), xZero, weight, g.kH(), g.kW(), g.strideH(),
                g.padH(), g.padW(), g.groups(), view, eff, yZero, outOff, g.outH(), g.outW(), g.outC(), maskOff);
        return b.expect(concatBlobs(new byte[][] {arena}, st.blobs(weight), bq, bf, f32(eff)));
    }

    private CCase inputGradStorage(ConvGeom g) {
        return inputGradStorage(CKernel.CONV_INPUT_GRAD_P, g);
    }

    /** An input gradient on random parameter storage, computed by BackwardKernels.convInputGrad; C runs kernel. */
    private CCase inputGradStorage(CKernel kernel, ConvGeom g) {
        Storage st = anyStorage(g);
        boolean accumulate = r.nextBoolean();
        int outN = g.outH() * g.outW() * g.outC();
        int inN = g.inH() * g.inW() * g.inC();
        Layout l = new Layout();
        int gOff = l.f32(outN);
        int dx = l.f32(inN);
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(outN));
        putFloats(arena, dx, gradFloats(inN));
        byte[] weight = weights(g.weightCount());
        CCase.Builder b = CCase.of(kernel, g + " " + st + " acc " + accumulate)
                .ints(concat(geomInts(g), gOff, dx, accumulate ? 1 : 0))
                .in(concatBlobs(new byte[][] {arena}, st.blobs(weight)));
        BackwardKernels.convInputGrad(arena, gOff, weight, g, dx, accumulate);
        return b.expect(concatBlobs(new byte[][] {arena}, st.blobs(weight)));
    }

    private CCase updateChannelStorage(ConvGeom g, RoundingMode mode) {
        int[] channels = g.depthwise() ? null : trainableChannels(g);
        int o = r.nextInt(g.outC());
        Storage st = trainableStorage(g, g.depthwise() ? new int[] {o} : channels);
        float lr = log2Uniform(-8, 4);
        int key = CounterRng.key(r.nextInt(), r.nextInt(100), r.nextInt(50));
        Layout l = new Layout();
        int ws = l.f32(g.channelWorkspaceFloats(channels));
        byte[] arena = l.arena();
        putFloats(arena, ws, gradFloats(g.channelWorkspaceFloats(channels)));
        byte[] weight = weights(g.weightCount());
        float[] master = mode == RoundingMode.FLOAT_MASTER || r.nextBoolean() ? masterNear(weight) : null;
        float div = log2Uniform(-6, 6);
        CCase.Builder b = CCase.of(CKernel.UPDATE_CONV_WEIGHT_CHANNEL_P, g + " o " + o + " " + mode + " " + st
                        + " channels " + Arrays.toString(channels))
                .ints(concat(geomInts(g), ws, o, mode.ordinal(), key)).floats(div, lr)
                .in(concatBlobs(new byte[][] {arena, i32(channels)}, st.blobs(weight), f32(st.master(master))));
        UpdateKernels.updateConvWeightChannel(arena, ws, g, o, channels, weight, master, div, lr, mode, key);
        return b.expect(concatBlobs(new byte[][] {arena, i32(channels)}, st.blobs(weight), f32(st.master(master))));
    }

    // =================================================================================================== step ops

    /** The StepKernels ports (one C call per scheduled IR op). */
    List<CCase> stepKernels() {
        List<CCase> cases = new ArrayList<>();
        for (int n : new int[] {0, 1, 9, 64, between(1, p.maxCount)}) {
            for (int inPlace = 0; inPlace < 3; inPlace++) {
                Layout l = new Layout();
                int a = l.f32(n);
                int bb = l.f32(n);
                int out = inPlace == 1 ? a : inPlace == 2 ? bb : l.f32(n);
                byte[] arena = l.arena();
                putFloats(arena, a, gradFloats(n));
                putFloats(arena, bb, gradFloats(n));
                CCase.Builder b = CCase.of(CKernel.ADD_F32, "n " + n + " inPlace " + inPlace).ints(a, bb, n, out)
                        .in(arena);
                StepKernels.add(arena, a, bb, n, out);
                cases.add(b.expect(arena));

                l = new Layout();
                int g = l.f32(n);
                int mask = l.int8(ArenaAccess.maskBytes(n));
                int dx = inPlace == 1 ? g : l.f32(n);
                arena = l.arena();
                putFloats(arena, g, gradFloats(n));
                float sy = log2Uniform(-8, -2), sx = log2Uniform(-8, -2);
                b = CCase.of(CKernel.ADD_GRAD, "n " + n + " inPlace " + inPlace).ints(g, mask, n, dx)
                        .floats(sy, sx).in(arena);
                StepKernels.addGrad(arena, g, mask, n, sy, sx, dx);
                cases.add(b.expect(arena));
            }
        }
        for (int rep = 0; rep < 4 * p.reps; rep++) {
            int positions = between(0, 50), c = between(1, 2 * p.maxC);
            int[] channels = subset(c);
            Layout l = new Layout();
            int in = l.int8(positions * c);
            int out = l.int8(positions * channels.length);
            byte[] arena = l.arena();
            CCase.Builder b = CCase.of(CKernel.CHANNEL_SLICE, positions + "x" + c + " -> " + channels.length)
                    .ints(in, positions, c, out).in(arena, i32(channels));
            StepKernels.channelSlice(arena, in, positions, c, channels, out);
            cases.add(b.expect(arena, i32(channels)));
        }
        int idx = 0;
        for (ConvKind kind : ConvKind.values()) {
            for (int k : new int[] {1, 3, 5}) {
                for (int rep = 0; rep < p.reps; rep++, idx++) {
                    cases.add(weightGradCompact(randomGeom(kind, k, between(1, 2))));
                    cases.add(updateCompact(randomGeom(kind, k, between(1, 2)), mode(idx)));
                    cases.add(weightGradUpdate(kind, k, mode(idx + 1)));
                }
            }
        }
        for (int rep = 0; rep < 6 * p.reps; rep++) {
            cases.add(biasUpdate(rep, false));
            cases.add(biasUpdate(rep, true));
        }
        for (int[] s : new int[][] {{0, 5}, {3, 0}, {1, 1}, {10, 64}, {between(1, 20), between(1, 200)}}) {
            int out = s[0], in = s[1];
            Layout l = new Layout();
            int g = l.f32(out);
            int x = l.f32(in);
            byte[] arena = l.arena();
            putFloats(arena, g, gradFloats(out));
            putFloats(arena, x, gradFloats(in));
            float[] weight = gradFloats(out * in);
            float lr = log2Uniform(-10, 2);
            CCase.Builder b = CCase.of(CKernel.LINEAR_WEIGHT_GRAD_UPDATE, "out " + out + " in " + in)
                    .ints(g, x, out, in).floats(lr).in(arena, f32(weight));
            StepKernels.linearWeightGradUpdate(arena, g, x, out, in, weight, lr);
            cases.add(b.expect(arena, f32(weight)));
        }
        for (int rep = 0; rep < 12; rep++) {
            int n = between(1, 40);
            boolean inPlace = r.nextBoolean();
            int label = rep % 4 == 3 ? pick(List.of(-1, n, n + 7, Integer.MIN_VALUE)) : r.nextInt(n);
            Layout l = new Layout();
            int x = l.f32(n);
            int d = inPlace ? x : l.f32(n);
            int lab = l.f32(1);
            int loss = l.f32(1);
            byte[] arena = l.arena();
            float[] logits = new float[n];
            for (int i = 0; i < n; i++) {
                logits[i] = (float) (r.nextGaussian() * pick(List.of(1.0, 10.0, 100.0)));
            }
            putFloats(arena, x, logits);
            ArenaAccess.putInt(arena, lab, label);
            CCase.Builder b = CCase.of(CKernel.SOFTMAX_CROSS_ENTROPY_AT, "n " + n + " label " + label)
                    .ints(x, n, lab, d, loss).in(arena);
            int ret = 0;
            try {
                StepKernels.softmaxCrossEntropy(arena, x, n, lab, d, loss);
            } catch (IllegalArgumentException e) {
                ret = -1;
            }
            cases.add(b.expectWithRet(ret, arena));
        }
        int m = 200;
        int[] q = new int[3 * m];
        int[] keys = new int[m];
        for (int i = 0; i < m; i++) {
            q[3 * i] = i < 4 ? new int[] {0, 1, -1, Integer.MAX_VALUE}[i] : r.nextInt(1 << 20);
            q[3 * i + 1] = r.nextInt();
            q[3 * i + 2] = r.nextInt(64);
        }
        CCase.Builder b = CCase.of(CKernel.STEP_RNG_KEY, m + " (step, seed, paramId)").in(i32(q), i32(keys));
        for (int i = 0; i < m; i++) {
            keys[i] = StepKernels.rngKey(new int[] {q[3 * i], q[3 * i + 1]}, q[3 * i + 2]);
        }
        cases.add(b.expect(i32(q), i32(keys)));
        return cases;
    }

    private CCase weightGradCompact(ConvGeom g) {
        int[] channels = g.depthwise() && r.nextBoolean() ? subset(g.outC()) : null;
        int floats = g.depthwise() ? (channels == null ? g.outC() : channels.length) * g.kH() * g.kW()
                : g.outC() * g.kH() * g.kW() * g.inPerGroup();
        Layout l = new Layout();
        int x = l.int8(g.inH() * g.inW() * g.inC());
        int gOff = l.f32(g.outH() * g.outW() * g.outC());
        int dw = l.f32(floats);
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(g.outH() * g.outW() * g.outC()));
        int xZero = zeroPoint();
        CCase.Builder b = CCase.of(CKernel.CONV_WEIGHT_GRAD_COMPACT, g + " channels " + Arrays.toString(channels))
                .ints(concat(geomInts(g), x, xZero, gOff, dw)).in(arena, i32(channels));
        StepKernels.convWeightGrad(arena, x, xZero, gOff, g, channels, dw);
        return b.expect(arena, i32(channels));
    }

    private float[] divisorsOrNull(int n) {
        if (r.nextBoolean()) {
            return null;
        }
        float[] d = new float[n];
        for (int c = 0; c < n; c++) {
            d[c] = log2Uniform(-6, 6);
        }
        return d;
    }

    private CCase updateCompact(ConvGeom g, RoundingMode mode) {
        int all = g.depthwise() ? g.outC() : g.inPerGroup();
        int[] channels = r.nextInt(3) == 0 ? null : sorted(subset(all));
        Storage st = trainableStorage(g, channels);
        int k = channels == null ? all : channels.length;
        int floats = g.depthwise() ? k * g.kH() * g.kW() : g.outC() * g.kH() * g.kW() * k;
        float lr = log2Uniform(-8, 4);
        int key = CounterRng.key(r.nextInt(), r.nextInt(100), r.nextInt(50));
        Layout l = new Layout();
        int dw = l.f32(floats);
        byte[] arena = l.arena();
        putFloats(arena, dw, gradFloats(floats));
        byte[] weight = weights(g.weightCount());
        float[] master = mode == RoundingMode.FLOAT_MASTER || r.nextBoolean() ? masterNear(weight) : null;
        float[] divisors = divisorsOrNull(g.outC());
        CCase.Builder b = CCase.of(CKernel.UPDATE_CONV_WEIGHT_COMPACT, g + " " + mode + " " + st + " channels "
                        + Arrays.toString(channels))
                .ints(concat(geomInts(g), dw, mode.ordinal(), key)).floats(lr)
                .in(concatBlobs(new byte[][] {arena, i32(channels)}, st.blobs(weight), f32(st.master(master)),
                        f32(divisors)));
        StepKernels.updateConvWeight(arena, dw, g, channels, weight, master, divisors, lr, mode, key);
        return b.expect(concatBlobs(new byte[][] {arena, i32(channels)}, st.blobs(weight), f32(st.master(master)),
                f32(divisors)));
    }

    private CCase weightGradUpdate(ConvKind kind, int k, RoundingMode mode) {
        return weightGradUpdate(CKernel.CONV_WEIGHT_GRAD_UPDATE, kind, randomGeom(kind, k, between(1, 2)), mode);
    }

    /** A fused weight gradient and update, computed by StepKernels.convWeightGradUpdate; C runs {@code kernel}. */
    private CCase weightGradUpdate(CKernel kernel, ConvKind kind, ConvGeom geom, RoundingMode mode) {
        int all = geom.depthwise() ? geom.outC() : geom.inPerGroup();
        boolean partial = kind != ConvKind.GROUPED && r.nextBoolean();
        int[] channels = partial ? sorted(subset(all)) : null;
        // a dense conv's saved input holds only the trainable channels (a channel slice); a depthwise one holds all
        ConvGeom gradGeom = partial && kind == ConvKind.DENSE
                ? new ConvGeom(geom.inH(), geom.inW(), channels.length, geom.outH(), geom.outW(), geom.outC(), geom.kH(),
                        geom.kW(), geom.strideH(), geom.strideW(), geom.padH(), geom.padW(), 1)
                : geom;
        Storage st = trainableStorage(geom, channels);
        float lr = log2Uniform(-8, 4);
        int key = CounterRng.key(r.nextInt(), r.nextInt(100), r.nextInt(50));
        int wsFloats = geom.depthwise() ? geom.kH() * geom.kW() : gradGeom.kH() * gradGeom.kW() * gradGeom.inPerGroup();
        Layout l = new Layout();
        int x = l.int8(gradGeom.inH() * gradGeom.inW() * gradGeom.inC());
        int gOff = l.f32(geom.outH() * geom.outW() * geom.outC());
        int ws = l.f32(wsFloats);
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(geom.outH() * geom.outW() * geom.outC()));
        int xZero = zeroPoint();
        byte[] weight = weights(geom.weightCount());
        float[] master = mode == RoundingMode.FLOAT_MASTER || r.nextBoolean() ? masterNear(weight) : null;
        float[] divisors = divisorsOrNull(geom.outC());
        int[] ints = concat(concat(geomInts(gradGeom), geomInts(geom)), x, xZero, gOff, ws, mode.ordinal(), key);
        CCase.Builder b = CCase.of(kernel, geom + " " + mode + " " + st + " channels "
                        + Arrays.toString(channels))
                .ints(ints).floats(lr)
                .in(concatBlobs(new byte[][] {arena, i32(channels)}, st.blobs(weight), f32(st.master(master)),
                        f32(divisors)));
        StepKernels.convWeightGradUpdate(arena, x, xZero, gOff, gradGeom, geom, channels, ws, weight, master, divisors,
                lr, mode, key);
        return b.expect(concatBlobs(new byte[][] {arena, i32(channels)}, st.blobs(weight), f32(st.master(master)),
                f32(divisors)));
    }

    private CCase biasUpdate(int rep, boolean fused) {
        RoundingMode mode = mode(rep);
        int n = between(1, 3 * p.maxC);
        int positions = between(1, 30);
        int[] bias = new int[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(4);
            bias[i] = c == 0 ? r.nextInt() : c == 1 ? between(-2000, 2000)
                    : c == 2 ? (r.nextBoolean() ? Integer.MAX_VALUE - r.nextInt(200) : Integer.MIN_VALUE + r.nextInt(200))
                    : (int) (r.nextGaussian() * (1 << 26));
        }
        float[] master = mode == RoundingMode.FLOAT_MASTER || r.nextBoolean() ? UpdateKernels.masterOf(bias) : null;
        float[] view = new float[n];
        float lr = log2Uniform(-4, 12);
        int key = CounterRng.key(r.nextInt(), rep, 7);
        float[] divisors = null;
        if (r.nextBoolean()) {
            divisors = new float[n];
            for (int i = 0; i < n; i++) {
                divisors[i] = log2Uniform(-40, -20);
            }
        }
        Layout l = new Layout();
        int g = l.f32(fused ? positions * n : n);
        byte[] arena = l.arena();
        putFloats(arena, g, gradFloats(fused ? positions * n : n));
        CCase.Builder b;
        if (fused) {
            b = CCase.of(CKernel.CONV_BIAS_GRAD_UPDATE, positions + "x" + n + " " + mode)
                    .ints(g, positions, n, mode.ordinal(), key).floats(lr)
                    .in(arena, i32(bias), f32(master), f32(divisors));
            StepKernels.convBiasGradUpdate(arena, g, positions, n, bias, master, view, divisors, lr, mode, key);
        } else {
            b = CCase.of(CKernel.UPDATE_CONV_BIAS, "n " + n + " " + mode).ints(g, n, mode.ordinal(), key).floats(lr)
                    .in(arena, i32(bias), f32(master), f32(divisors));
            StepKernels.updateConvBias(arena, g, n, bias, master, view, divisors, lr, mode, key);
        }
        // C has no float32 view: it reads (float) bias, or the master in FLOAT_MASTER mode, which is what the view holds
        for (int o = 0; o < n; o++) {
            float expected = mode == RoundingMode.FLOAT_MASTER ? master[o] : (float) bias[o];
            if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(view[o])) {
                throw new AssertionError("the JVM's bias view is not what C reads at " + o);
            }
        }
        return b.expect(arena, i32(bias), f32(master), f32(divisors));
    }

    // =================================================================================================== fast variants

    /** Requantization constants of a fast-variant case: typical, ties, or saturating (see conv2dCase). */
    private void requantConstants(float[] bias, float[] eff) {
        int regime = r.nextInt(3);
        for (int o = 0; o < eff.length; o++) {
            switch (regime) {
                case 0 -> {
                    eff[o] = log2Uniform(-13, -6);
                    bias[o] = (float) (r.nextGaussian() * 3000);
                }
                case 1 -> {
                    eff[o] = pick(List.of(0.5f, 0.25f, 0.125f, 0.375f));
                    bias[o] = between(-200, 200);
                }
                default -> {
                    eff[o] = log2Uniform(-5, 1);
                    bias[o] = (float) (r.nextGaussian() * 20000);
                }
            }
        }
    }

    /** The int32 bias of a case (null: the case passes float biases) and the float view the Java kernel adds. */
    private int[] intBias(float[] view, boolean intBias) {
        if (!intBias) {
            return null;
        }
        int[] q = new int[view.length];
        for (int o = 0; o < q.length; o++) {
            q[o] = r.nextInt(8) == 0 ? 16777217 + 2 * r.nextInt(1000) : Math.round(view[o]);
            view[o] = (float) q[o];
        }
        return q;
    }

    /**
     * tt_conv1x1 against ForwardKernels.conv2d (k 1x1, pad 0, groups 1): channel counts around the 4-wide SIMD step
     * and its tails and the row lengths its stride-1 loop specialises, odd and even positions and output channels,
     * strides 1-3 with inputs larger than the strided window, zero points at the extremes, saturation and ties, with
     * and without the compile-time zero-point table, whole and split weights, int32 biases beyond 2^24.
     */
    List<CCase> conv1x1Fast() {
        List<CCase> cases = new ArrayList<>();
        for (int rep = 0; rep < 12 * p.reps; rep++) {
            int inC = rep % 4 == 0 ? between(1, 7) : between(1, 3 * p.maxC);
            cases.add(denseFast(CKernel.CONV1X1, inC, 1, 1, rep % 3 == 0 ? between(2, 3) : 1, 0, 0));
        }
        // the row lengths tt_conv1x1's stride-1 loop has as constants, and one beyond them
        for (int inC : new int[] {8, 16, 24, 32, 48, 56, 96}) {
            for (int rep = 0; rep < p.reps; rep++) {
                cases.add(denseFast(CKernel.CONV1X1, inC, 1, 1, 1, 0, 0));
            }
        }
        return cases;
    }

    /**
     * tt_conv_im2col against ForwardKernels.conv2d: dense kxk (also non-square) convs with patches of up to
     * TT_IM2COL_MAX_PATCH bytes, strides 1-3, symmetric and asymmetric padding (windows partly or wholly in the
     * padding, whose taps the patch fills with the zero point).
     */
    List<CCase> im2colFast() {
        List<CCase> cases = new ArrayList<>();
        for (int rep = 0; rep < 8 * p.reps; rep++) {
            int kH = pick(List.of(1, 2, 3, 5, 7));
            int kW = r.nextInt(3) == 0 ? pick(List.of(1, 2, 3, 5)) : kH;
            int inC = between(1, Math.max(1, Math.min(p.maxC, 64 / (kH * kW))));
            int padTop = r.nextBoolean() ? (kH - 1) / 2 : between(0, kH);
            int padLeft = r.nextBoolean() ? (kW - 1) / 2 : between(0, kW);
            cases.add(denseFast(CKernel.CONV_IM2COL, inC, kH, kW, between(1, 3), padTop, padLeft));
        }
        // the shipped models' first conv: 3x3 over RGB, stride 2 and 1 (rows of 27 bytes, window rows of 9)
        cases.add(denseFast(CKernel.CONV_IM2COL, 3, 3, 3, 2, 1, 1));
        cases.add(denseFast(CKernel.CONV_IM2COL, 3, 3, 3, 1, 1, 1));
        return cases;
    }

    /** One random dense conv for a fast variant with the argument layout of tt_conv_im2col. */
    private CCase denseFast(CKernel kernel, int inC, int kH, int kW, int stride, int padTop, int padLeft) {
        int outC = between(1, 2 * p.maxC);
        int outH = between(1, p.maxHw);
        int outW = between(1, p.maxHw);
        // the input covers the strided windows less the padding, sometimes a little more
        int inH = Math.max(1, (outH - 1) * stride + kH - padTop - r.nextInt(kH) + r.nextInt(stride));
        int inW = Math.max(1, (outW - 1) * stride + kW - padLeft - r.nextInt(kW) + r.nextInt(stride));
        if (padTop == 0 && padLeft == 0) {
            inH = Math.max(inH, (outH - 1) * stride + kH);
            inW = Math.max(inW, (outW - 1) * stride + kW);
        }
        int row = kH * kW * inC;
        int xZero = zeroPoint();
        int yZero = zeroPoint();
        byte[] weight = weights(outC * row);
        float[] bias = new float[outC];
        float[] eff = new float[outC];
        requantConstants(bias, eff);
        int[] biasQ = intBias(bias, r.nextBoolean());
        boolean folded = r.nextBoolean();
        int[] zw = null;
        if (folded) {
            zw = new int[outC];
            for (int o = 0; o < outC; o++) {
                int sum = 0;
                for (int k = 0; k < row; k++) {
                    sum += weight[o * row + k];
                }
                zw[o] = xZero * sum;
            }
        }
        boolean withMask = r.nextInt(4) > 0;
        Layout l = new Layout();
        int inOff = l.int8(inH * inW * inC);
        int outOff = l.int8(outH * outW * outC);
        int maskOff = withMask ? l.int8(ArenaAccess.maskBytes(outH * outW * outC)) : -1;
        byte[] arena = l.arena();
        if (r.nextInt(4) == 0) { // saturate the inputs: extreme sums
            for (int i = 0; i < inH * inW * inC; i++) {
                arena[inOff + i] = (byte) (r.nextBoolean() ? -128 : 127);
            }
        }
        // a weight with a compile-time zero-point table is frozen; the others are trained (a 1x1 one maybe split)
        Storage st = folded || kernel != CKernel.CONV1X1 || r.nextBoolean() ? new Storage(outC * kH * kW, inC, !folded,
                null) : new Storage(outC, inC, false, sorted(r.nextInt(5) == 0 ? new int[0] : subset(inC)));
        byte[] bq = biasQ == null ? null : i32(biasQ);
        byte[] bf = biasQ == null ? f32(bias) : null;
        CCase.Builder b = CCase.of(kernel, String.format("k%dx%d s%d pad %d,%d in %dx%dx%d out %dx%dx%d z %d/%d %s%s",
                        kH, kW, stride, padTop, padLeft, inH, inW, inC, outH, outW, outC, xZero, yZero,
                        folded ? "folded" : st.toString(), withMask ? " mask" : ""))
                .ints(inOff, inH, inW, inC, xZero, kH, kW, stride, padTop, padLeft, yZero, outOff, outH, outW, outC,
                        maskOff)
                .in(concatBlobs(new byte[][] {arena}, st.blobs(weight), i32(zw), bq, bf, f32(eff)));
        ForwardKernels.conv2d(arena, inOff, inH, inW, inC, xZero, weight, kH, kW, stride, padTop, padLeft, 1, bias, eff,
                yZero, outOff, outH, outW, outC, maskOff);
        return b.expect(concatBlobs(new byte[][] {arena}, st.blobs(weight), i32(zw), bq, bf, f32(eff)));
    }

    /**
     * tt_depthwise_conv against ForwardKernels.conv2d on the depthwise shapes of {@link #conv2d()} (kernels 1-7,
     * non-square, strides 1-2, asymmetric padding and windows in padding, in place), with more channels so that
     * the 4-channel blocks and their 1-3 channel tails both occur; on rows of 32 to 52 outputs (the channel-major
     * pass: beside the input, or in place a whole number of positions ahead of it); and on random parameter storage
     * (whole in Flash or SRAM, split; int32 or float biases).
     */
    List<CCase> depthwiseFast() {
        List<CCase> cases = new ArrayList<>();
        for (int k : new int[] {1, 3, 5, 7}) {
            for (int stride : new int[] {1, 2}) {
                for (int rep = 0; rep < 2 * p.reps; rep++) {
                    cases.add(conv2dCase(CKernel.DEPTHWISE_CONV, ConvKind.DEPTHWISE, k, stride, rep % 3,
                            rep % 2 == 1));
                    cases.add(conv2dStorage(CKernel.DEPTHWISE_CONV_STORAGE, randomGeom(ConvKind.DEPTHWISE, k, stride)));
                    cases.add(conv2dCase(CKernel.DEPTHWISE_CONV, ConvKind.DEPTHWISE, k, stride, rep % 3, rep % 2 == 0,
                            true));
                }
            }
        }
        return cases;
    }

    /**
     * The fast backward variants against the Java kernels: tt_conv1x1_input_grad and tt_conv1x1_weight_grad_update on
     * dense 1x1 convs (strides 1-3, so that some inputs get no gradient; whole, split and partly trained weights,
     * every rounding mode), tt_depthwise_input_grad on the random depthwise geometries (kernels 1-7, non-square,
     * strides and paddings per dimension).
     */
    List<CCase> backwardFast() {
        List<CCase> cases = new ArrayList<>();
        for (int rep = 0; rep < 6 * p.reps; rep++) {
            ConvGeom g1 = ConvGeom.of(between(1, p.maxHw), between(1, p.maxHw), between(1, 3 * p.maxC),
                    between(1, 2 * p.maxC), 1, rep % 3 == 0 ? between(2, 3) : 1, 1);
            cases.add(inputGradStorage(CKernel.CONV1X1_INPUT_GRAD, g1));
            ConvGeom g2 = ConvGeom.of(between(1, p.maxHw), between(1, p.maxHw), between(1, 2 * p.maxC),
                    between(1, p.maxC), 1, rep % 3 == 0 ? 2 : 1, 1);
            cases.add(weightGradUpdate(CKernel.CONV1X1_WEIGHT_GRAD_UPDATE, ConvKind.DENSE, g2, mode(rep)));
            cases.add(inputGradStorage(CKernel.DEPTHWISE_INPUT_GRAD,
                    randomGeom(ConvKind.DEPTHWISE, pick(List.of(1, 3, 5, 7)), between(1, 2))));
        }
        return cases;
    }

    /**
     * The channel-streamed backward region (tt_streamed_backward) against StreamedKernels.streamedBackward on random
     * blocks: depthwise kernels 3, 5, 7 with strides 1 and 2, each part (depthwise bias and weight, expansion, its
     * bias, weight and input gradient) present or not, random trained channel lists, whole, split and partly trained
     * weight storage, every rounding mode. (StreamedKernelsTest checks the Java kernel against the whole-tensor
     * kernels it replaces.)
     */
    List<CCase> streamedBackward() {
        List<CCase> cases = new ArrayList<>();
        for (int rep = 0; rep < 6 * p.reps; rep++) {
            cases.add(streamedBlock(mode(rep), rep % 4 != 0));
        }
        return cases;
    }

    private CCase streamedBlock(RoundingMode mode, boolean deep) {
        int k = pick(List.of(3, 5, 7));
        int h1 = between(1, p.maxHw);
        int w1 = between(1, p.maxHw);
        int c = between(1, 2 * p.maxC);
        int o = between(1, 2 * p.maxC);
        int cin = between(1, 2 * p.maxC);
        ConvGeom dw = ConvGeom.of(h1, w1, c, c, k, between(1, 2), c);
        ConvGeom proj = new ConvGeom(dw.outH(), dw.outW(), c, dw.outH(), dw.outW(), o, 1, 1, 1, 1, 0, 0, 1);
        ConvGeom exp = new ConvGeom(h1, w1, cin, h1, w1, c, 1, 1, 1, 1, 0, 0, 1);
        boolean dwBiasOn = r.nextBoolean();
        boolean dwWeightOn = r.nextBoolean();
        boolean expBiasOn = deep && r.nextBoolean();
        boolean expWeightOn = deep && r.nextBoolean();
        boolean dxOn = deep && r.nextInt(4) != 0;
        int[] dwChannels = dwWeightOn && r.nextBoolean() ? sorted(subset(c)) : null;
        int[] expChannels = expWeightOn && r.nextBoolean() ? sorted(subset(cin)) : null;
        int kk = expChannels == null ? cin : expChannels.length;
        int p1 = h1 * w1;
        int p2 = dw.outPositions();
        Layout l = new Layout();
        int gOff = l.f32(p2 * o);
        int dwMask = l.int8((p2 * c + 7) / 8);
        int dwX = l.int8(p1 * c);
        int expMask = l.int8((p1 * c + 7) / 8);
        int expX = l.int8(p1 * kk);
        int dx = l.f32(p1 * cin);
        int group = between(1, 5);
        int plane = l.f32(group * p2);
        int planeIn = l.f32(group * p1);
        int vector = l.f32(Math.max(Math.max(group * o, k * k), group * cin));
        byte[] arena = l.arena();
        putFloats(arena, gOff, gradFloats(p2 * o));
        int dwZero = zeroPoint();
        int expZero = zeroPoint();
        Storage projSt = anyStorage(proj);
        Storage dwSt = dwWeightOn ? trainableStorage(dw, dwChannels) : anyStorage(dw);
        Storage expSt = expWeightOn ? trainableStorage(exp, expChannels) : anyStorage(exp);
        byte[] projW = weights(proj.weightCount());
        byte[] dwW = weights(dw.weightCount());
        byte[] expW = weights(exp.weightCount());
        float[] dwEff = new float[c];
        float[] expEff = new float[c];
        for (int i = 0; i < c; i++) {
            dwEff[i] = log2Uniform(-12, 0);
            expEff[i] = log2Uniform(-12, 0);
        }
        int[] dwB = new int[c];
        int[] expB = new int[c];
        for (int i = 0; i < c; i++) {
            dwB[i] = between(-100000, 100000);
            expB[i] = between(-100000, 100000);
        }
        boolean master = mode == RoundingMode.FLOAT_MASTER;
        float[] dwBM = master ? UpdateKernels.masterOf(dwB) : null;
        float[] expBM = master ? UpdateKernels.masterOf(expB) : null;
        float[] dwWM = master ? masterNear(dwW) : null;
        float[] expWM = master ? masterNear(expW) : null;
        float[] qas = divisorsOrNull(c);
        float[] lr = {log2Uniform(0, 12), log2Uniform(-8, 2), log2Uniform(0, 12), log2Uniform(-8, 2)};
        int[] keys = {CounterRng.key(r.nextInt(), 3, 1), CounterRng.key(r.nextInt(), 3, 2),
            CounterRng.key(r.nextInt(), 3, 3), CounterRng.key(r.nextInt(), 3, 4)};
        int[] ints = concat(concat(concat(new int[] {o, gOff}, geomInts(dw)), new int[] {dwMask,
            dwWeightOn ? dwX : -1, dwZero, deep ? 1 : 0}), concat(geomInts(exp), expMask, expWeightOn ? expX : -1,
            expZero, dxOn ? dx : -1, plane, deep ? planeIn : -1, vector, mode.ordinal(), dwBiasOn ? 1 : 0,
            dwWeightOn ? 1 : 0, expBiasOn ? 1 : 0, expWeightOn ? 1 : 0, keys[0], keys[1], keys[2], keys[3], group));
        String label = h1 + "x" + w1 + "x" + c + " k" + k + " s" + dw.strideH() + " O" + o + " Cin" + cin + " group "
                + group + " " + mode
                + (deep ? " deep" : "") + " dw " + dwSt + " exp " + expSt + " channels " + Arrays.toString(dwChannels)
                + " " + Arrays.toString(expChannels);
        CCase.Builder b = CCase.of(CKernel.STREAMED_BACKWARD, label).ints(ints).floats(lr)
                .in(streamedBlobs(arena, projSt, projW, dwSt, dwW, expSt, expW, dwEff, expEff, dwB, dwBM, expB, expBM,
                        dwWM, expWM, qas, dwChannels, expChannels));
        StreamedKernels.Region region = new StreamedKernels.Region(o, gOff, projW, dw, dwMask, dwEff, dwW,
                dwBiasOn ? new StreamedKernels.Update(dwB, new float[c], dwBM, qas, null, mode) : null,
                dwWeightOn ? new StreamedKernels.Update(null, null, dwWM, qas, dwChannels, mode) : null,
                dwWeightOn ? dwX : -1, dwZero, deep ? exp : null, expMask, expEff, expW,
                expBiasOn ? new StreamedKernels.Update(expB, new float[c], expBM, qas, null, mode) : null,
                expWeightOn ? new StreamedKernels.Update(null, null, expWM, qas, expChannels, mode) : null,
                expWeightOn ? expX : -1, expZero, dxOn ? dx : -1, plane, deep ? planeIn : -1, vector, group);
        StreamedKernels.streamedBackward(arena, region, lr[0], keys[0], lr[1], keys[1], lr[2], keys[2], lr[3],
                keys[3]);
        return b.expect(streamedBlobs(arena, projSt, projW, dwSt, dwW, expSt, expW, dwEff, expEff, dwB, dwBM, expB,
                expBM, dwWM, expWM, qas, dwChannels, expChannels));
    }

    /** The blobs of a streamed case, in the driver's order. */
    private static byte[][] streamedBlobs(byte[] arena, Storage projSt, byte[] projW, Storage dwSt, byte[] dwW,
                                          Storage expSt, byte[] expW, float[] dwEff, float[] expEff, int[] dwB,
                                          float[] dwBM, int[] expB, float[] expBM, float[] dwWM, float[] expWM,
                                          float[] qas, int[] dwChannels, int[] expChannels) {
        List<byte[]> all = new ArrayList<>();
        all.add(arena);
        all.addAll(projSt.blobs(projW));
        all.addAll(dwSt.blobs(dwW));
        all.addAll(expSt.blobs(expW));
        all.addAll(Arrays.asList(f32(dwEff), f32(expEff), i32(dwB), f32(dwBM), i32(expB), f32(expBM),
                f32(dwSt.master(dwWM)), f32(expSt.master(expWM)), f32(qas), i32(dwChannels), i32(expChannels)));
        return all.toArray(new byte[0][]);
    }

    /** Every fast variant against its reference kernel. */
    List<CCase> fastVariants() {
        List<CCase> all = new ArrayList<>(conv1x1Fast());
        all.addAll(im2colFast());
        all.addAll(depthwiseFast());
        all.addAll(backwardFast());
        all.addAll(expandDepthwiseRows());
        return all;
    }

    /**
     * tt_expand_depthwise_rows against the JVM's FastExpandDepthwise, whose output rows are checked here against
     * the reference ExpandDepthwise.referenceRows (the expansion then the depthwise conv, ForwardKernels.conv2d):
     * kernels 1-7, strides 1-2, random padding, channel groups from 1 to beyond the channel count (narrow last
     * groups, 4-channel blocks and their tails), int32 or float biases, with and without the zero-point table, random
     * row bands and windows (padding rows above the window at the top).
     */
    List<CCase> expandDepthwiseRows() {
        List<CCase> cases = new ArrayList<>();
        for (int rep = 0; rep < 12 * p.reps; rep++) {
            cases.add(expandDepthwiseCase(pick(List.of(1, 3, 5, 7)), between(1, 2)));
        }
        return cases;
    }

    private CCase expandDepthwiseCase(int k, int stride) {
        int inC = between(1, p.maxC);
        int channels = between(1, 2 * p.maxC);
        int inH = between(1, p.maxHw);
        int inW = between(1, p.maxHw);
        int padTop = between(0, k - 1);
        int padLeft = between(0, k - 1);
        int outH = Math.max(1, (inH + padTop + between(0, k - 1) - k) / stride + 1);
        int outW = Math.max(1, (inW + padLeft + between(0, k - 1) - k) / stride + 1);
        int xZero = zeroPoint();
        int midZero = zeroPoint();
        int yZero = zeroPoint();
        byte[] ew = weights(channels * inC);
        byte[] dw = weights(k * k * channels);
        float[] eb = new float[channels];
        float[] ee = new float[channels];
        float[] db = new float[channels];
        float[] de = new float[channels];
        requantConstants(eb, ee);
        requantConstants(db, de);
        int[] ebQ = intBias(eb, r.nextBoolean());
        int[] dbQ = intBias(db, r.nextBoolean());
        int[] zw = null;
        if (r.nextBoolean()) {
            zw = new int[channels];
            for (int o = 0; o < channels; o++) {
                int sum = 0;
                for (int c = 0; c < inC; c++) {
                    sum += ew[o * inC + c];
                }
                zw[o] = xZero * sum;
            }
        }
        int group = between(1, channels + 2);
        ExpandDepthwise spec = new ExpandDepthwise(inH, inW, inC, xZero, ew, eb, ee, midZero, dw, k, k, stride, padTop,
                padLeft, db, de, yZero, outH, outW, channels);
        dev.tinytrain.ir.band.BandLayer layer = dev.tinytrain.ir.band.BandLayer.conv(0, k, stride, padTop, outH,
                outW * channels);
        int y0;
        int y1;
        do {
            y0 = r.nextInt(outH);
            y1 = y0 + between(1, Math.min(3, outH - y0));
        } while (layer.inputRowsEnd(y1, inH) <= Math.max(0, layer.firstInputRow(y0)));
        dev.tinytrain.ir.band.BandProgram.Window w = dev.tinytrain.ir.band.BandProgram.convWindow(layer, 0, y0, y1, 0,
                inH, inH);
        int rows = y1 - y0;
        Layout l = new Layout();
        int inOff = l.int8(w.rows() * inW * inC);
        int outOff = l.int8(rows * outW * channels);
        int scratchOff = l.int8(w.rows() * inW * Math.min(group, channels));
        int scratchOutOff = l.int8(rows * outW * Math.min(group, channels));
        byte[] arena = l.arena();
        byte[][] params = {f32(ebQ == null ? eb : null), i32(ebQ), i32(zw), f32(ee), CBandRegion.regrouped(dw, k * k,
                channels, group), i32(dbQ), f32(dbQ == null ? db : null), f32(de), ew};
        String label = String.format("k%d s%d pad %d,%d in %dx%dx%d -> %d ch group %d rows [%d,%d) window %d+%d"
                + " z %d/%d/%d", k, stride, padTop, padLeft, inH, inW, inC, channels, group, y0, y1, w.padTop(),
                w.rows(), xZero, midZero, yZero);
        CCase.Builder b = CCase.of(CKernel.EXPAND_DEPTHWISE_ROWS, label)
                .ints(inOff, w.rows(), w.padTop(), outOff, rows, scratchOff, scratchOutOff, inW, inC, xZero, midZero, k,
                        k, stride, padLeft, yZero, outW, channels, group)
                .in(concatBlobs(new byte[][] {arena}, Arrays.asList(params)));
        byte[] ref = arena.clone();
        spec.referenceRows(ref, inOff, w.rows(), w.padTop(), outOff, rows);
        new FastExpandDepthwise(spec, group, new Scratch()).runRows(arena, inOff, w.rows(), w.padTop(), outOff, rows,
                scratchOff, scratchOutOff);
        if (!Arrays.equals(ref, 0, scratchOff, arena, 0, scratchOff)) {
            throw new AssertionError("FastExpandDepthwise differs from its reference: " + label);
        }
        return b.expect(concatBlobs(new byte[][] {arena}, Arrays.asList(params)));
    }

    /** Every family, for one profile. */
    List<CCase> all() {
        List<CCase> all = new ArrayList<>();
        all.addAll(conv2d());
        all.addAll(quantizedAdd());
        all.addAll(globalAvgPool());
        all.addAll(dequantizeAndLinear());
        all.addAll(arenaAccessAndGeometry());
        all.addAll(gradientElementwise());
        all.addAll(convBackward());
        all.addAll(linearBackward());
        all.addAll(loss());
        all.addAll(expLog());
        all.addAll(rngAndScalars());
        all.addAll(updates());
        all.addAll(parameterStorage());
        all.addAll(stepKernels());
        all.addAll(fastVariants());
        all.addAll(streamedBackward());
        return all;
    }
}
