package dev.tinytrain.backend.jvm.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.ops.TfliteRequant;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TfliteKernelsTest {

    /** round(a * b / 2^31), ties away from zero, in exact arithmetic; the one saturating case aside. */
    private static int srdhmExact(int a, int b) {
        BigDecimal p = new BigDecimal(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)))
                .divide(new BigDecimal(BigInteger.ONE.shiftLeft(31)));
        return p.setScale(0, RoundingMode.HALF_UP).intValueExact(); // HALF_UP is away from zero in BigDecimal
    }

    @Test
    void saturatingRoundingDoublingHighMulRoundsHalfAwayFromZero() {
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            int a = r.nextInt();
            int b = r.nextInt(4) == 0 ? r.nextInt(1 << 16) - (1 << 15) : r.nextInt();
            if (a == Integer.MIN_VALUE && b == Integer.MIN_VALUE) {
                continue;
            }
            assertEquals(srdhmExact(a, b), TfliteKernels.saturatingRoundingDoublingHighMul(a, b), a + " * " + b);
        }
        assertEquals(Integer.MAX_VALUE, TfliteKernels.saturatingRoundingDoublingHighMul(Integer.MIN_VALUE,
                Integer.MIN_VALUE));
    }

    @Test
    void roundingDivideByPotRoundsHalfAwayFromZero() {
        assertEquals(1, TfliteKernels.roundingDivideByPot(1, 1)); // 0.5 -> 1
        assertEquals(-1, TfliteKernels.roundingDivideByPot(-1, 1)); // -0.5 -> -1
        assertEquals(-1, TfliteKernels.roundingDivideByPot(-5, 2)); // -1.25 -> -1
        assertEquals(-2, TfliteKernels.roundingDivideByPot(-6, 2)); // -1.5 -> -2
    }

    @Test
    void roundingDivideByPotMatchesExactArithmetic() {
        Random r = new Random(2);
        for (int i = 0; i < 100_000; i++) {
            int x = r.nextInt();
            int e = r.nextInt(32);
            int expected = new BigDecimal(x).divide(new BigDecimal(BigInteger.ONE.shiftLeft(e)))
                    .setScale(0, RoundingMode.HALF_UP).intValueExact();
            assertEquals(expected, TfliteKernels.roundingDivideByPot(x, e), x + " >> " + e);
        }
    }

    @Test
    void multiplyByQuantizedMultiplierRoundsTwice() {
        // -28324 * 1581856524 / 2^31 = -20863.6..., rounded to -20864, then / 2^8 = -81.5 -> -82 (one exact
        // rounding would give -81): TFLite's non-single-rounding arithmetic, which the conv goldens need
        assertEquals(-82, TfliteKernels.multiplyByQuantizedMultiplier(-28324, 1581856524, -8));
        assertEquals(6, TfliteKernels.multiplyByQuantizedMultiplier(3, 1 << 30, 2)); // 3 * 0.5 * 4
    }

    @Test
    void roundScaledIsTheBinary64ProductRoundedHalfAway() {
        Random r = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            int acc = switch (r.nextInt(4)) {
                case 0 -> r.nextInt();
                case 1 -> r.nextInt(1 << 16) - (1 << 15);
                case 2 -> r.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
                default -> r.nextInt(201) - 100;
            };
            double eff = Math.scalb(0.5 + r.nextDouble() / 2, r.nextInt(48) - 40);
            if (r.nextInt(8) == 0) { // a value whose product lands on a half integer
                eff = (r.nextInt(64) + 0.5) / Math.max(1, Math.abs((double) acc));
            }
            double[] one = {eff};
            double product = (double) acc * eff;
            double whole = Math.floor(Math.abs(product)); // std::round: exact, no "+ 0.5" double rounding
            double rounded = Math.copySign(Math.abs(product) - whole >= 0.5 ? whole + 1 : whole, product);
            int expected = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, rounded));
            assertEquals(expected, TfliteKernels.roundScaled(acc, TfliteRequant.significands(one)[0],
                    TfliteRequant.exponents(one)[0]), acc + " * " + eff);
        }
    }

    @Test
    void expAndReciprocalAreAccurateFixedPoint() {
        for (int raw = -(31 << 26); raw <= 0; raw += 1 << 18) { // Q5.26 in [-31, 0]
            double x = raw / (double) (1 << 26);
            double got = TfliteKernels.expOnNegativeValues(raw) / Math.scalb(1.0, 31);
            assertTrue(Math.abs(got - Math.exp(x)) < 1e-6, x + ": " + got);
        }
        for (int raw = 0; raw < Integer.MAX_VALUE - (1 << 22); raw += 1 << 22) { // Q0.31 in [0, 1)
            double x = raw / Math.scalb(1.0, 31);
            double got = TfliteKernels.oneOverOnePlusX(raw) / Math.scalb(1.0, 31);
            assertTrue(Math.abs(got - 1 / (1 + x)) < 1e-8, x + ": " + got);
        }
    }

    @Test
    void softmaxOfEqualLogitsIsUniform() {
        byte[] arena = new byte[8];
        java.util.Arrays.fill(arena, 0, 4, (byte) 7);
        TfliteRequant.SoftmaxConstants k = TfliteRequant.softmax(1f, 0.1f);
        TfliteKernels.softmax(arena, 0, 1, 4, k.multiplier(), k.leftShift(), k.diffMin(), 4);
        assertArrayEquals(new byte[] {-64, -64, -64, -64}, java.util.Arrays.copyOfRange(arena, 4, 8)); // 64/256 - 128
    }

    @Test
    void averagePoolRoundsHalfAwayOverTheTapsReadAndMaxPoolSkipsPadding() {
        // one channel 2x2 input, 2x2 window, stride 2, one padding row and column on top/left: each window reads
        // what lies inside the input only
        byte[] arena = {-3, -4, 5, 6, 0, 0, 0, 0};
        TfliteKernels.pool(arena, 0, 2, 2, 1, false, 2, 2, 2, 2, 1, 1, -128, 127, 4, 2, 2);
        assertArrayEquals(new byte[] {-3, -4, 5, 6}, java.util.Arrays.copyOfRange(arena, 4, 8));
        byte[] avg = {-3, -4, 5, 7, 0};
        TfliteKernels.pool(avg, 0, 2, 2, 1, false, 2, 2, 2, 2, 0, 0, -128, 127, 4, 1, 1);
        assertEquals(1, avg[4]); // (5 + 2) / 4 = 1.25 -> 1
        byte[] neg = {-3, -4, -5, -6, 0};
        TfliteKernels.pool(neg, 0, 2, 2, 1, false, 2, 2, 2, 2, 0, 0, -128, 127, 4, 1, 1);
        assertEquals(-5, neg[4]); // -18 / 4 = -4.5 -> -5
        byte[] max = {-3, -4, -5, -6, 0};
        TfliteKernels.pool(max, 0, 2, 2, 1, true, 2, 2, 2, 2, 0, 0, -128, -4, 4, 1, 1);
        assertEquals(-4, max[4]); // max -3 clamped to -4
    }

    @Test
    void quantizeRoundsHalfAwayAndSaturates() {
        float[] x = {0.025f, -0.025f, 0.0749f, 1e30f, -1e30f, Float.NaN, 0.5f};
        byte[] arena = new byte[4 * x.length + x.length];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(arena).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < x.length; i++) {
            bb.putFloat(4 * i, x[i]);
        }
        TfliteKernels.quantize(arena, 0, x.length, 0.05f, -3, 4 * x.length);
        // 0.5 -> 1, -0.5 -> -1 (away from zero), 1.498 -> 1, saturation, NaN -> the zero point, 10
        assertArrayEquals(new byte[] {-2, -4, -2, 127, -128, -3, 7},
                java.util.Arrays.copyOfRange(arena, 4 * x.length, arena.length));
    }
}
