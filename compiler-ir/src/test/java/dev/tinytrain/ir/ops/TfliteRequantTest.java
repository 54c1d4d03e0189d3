package dev.tinytrain.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.ops.TfliteRequant.Multiplier;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TfliteRequantTest {

    @Test
    void powersOfTwoAreExact() {
        assertEquals(new Multiplier(1 << 30, 1), TfliteRequant.quantize(1.0));
        assertEquals(new Multiplier(1 << 30, 0), TfliteRequant.quantize(0.5));
        assertEquals(new Multiplier(1 << 30, -9), TfliteRequant.quantize(Math.scalb(1.0, -10)));
        assertEquals(new Multiplier(0, 0), TfliteRequant.quantize(0.0));
    }

    @Test
    void mantissaRoundingUpToTwoPow31BumpsTheShift() {
        double justBelowOne = 1.0 - Math.scalb(1.0, -40); // q * 2^31 rounds to 2^31
        assertEquals(new Multiplier(1 << 30, 1), TfliteRequant.quantize(justBelowOne));
    }

    @Test
    void tinyMultipliersFlushToZero() {
        assertEquals(new Multiplier(0, 0), TfliteRequant.quantize(Math.scalb(1.0, -40)));
        assertEquals(new Multiplier(0, 0), TfliteRequant.quantize(Double.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> TfliteRequant.quantize(-1.0));
        assertThrows(IllegalArgumentException.class, () -> TfliteRequant.quantize(Double.NaN));
    }

    @Test
    void multiplierTimesPowerOfTwoIsTheRealValueWithinHalfAUnit() {
        Random r = new Random(14);
        for (int i = 0; i < 10_000; i++) {
            double m = Math.scalb(0.5 + r.nextDouble() / 2, r.nextInt(40) - 30);
            Multiplier q = TfliteRequant.quantize(m);
            assertTrue(q.multiplier() >= 1 << 30, q::toString);
            BigDecimal exact = new BigDecimal(m).multiply(new BigDecimal(Math.scalb(1.0, 31 - q.shift())));
            assertTrue(exact.subtract(BigDecimal.valueOf(q.multiplier())).abs().compareTo(new BigDecimal("0.5")) <= 0,
                    () -> m + " -> " + q);
        }
    }

    @Test
    void addUsesTwiceTheLargerInputScale() {
        Multiplier[] m = TfliteRequant.add(0.5f, 0.25f, 1.0f);
        assertEquals(TfliteRequant.quantize(0.5), m[0]); // 0.5 / (2 * 0.5)
        assertEquals(TfliteRequant.quantize(0.25), m[1]);
        assertEquals(TfliteRequant.quantize(1.0 / (1 << 20)), m[2]); // 2 * 0.5 / (2^20 * 1)
    }

    @Test
    void meanFoldsTheCountIntoTheMultiplier() {
        Quantization in = Quantization.perTensor(0.02, -3);
        Quantization out = Quantization.perTensor(0.01, 5);
        TfliteRequant.MeanConstants k = TfliteRequant.mean(in, out, 16);
        Multiplier base = TfliteRequant.quantize((double) 0.02f / (double) 0.01f);
        assertTrue(k.requantize());
        assertEquals(base.shift() - 4, k.shift()); // floor(log2 16) = 4
        assertEquals((int) (((long) base.multiplier() << 4) / 16), k.multiplier());
        assertTrue(!TfliteRequant.mean(in, in, 16).requantize());
    }

    @Test
    void softmaxConstantsMatchTheReferencePreprocessing() {
        // beta 1, input scale 1/16: real multiplier 2^26 / 16 = 2^22, i.e. (2^30, 23); radius floor(31 * 2^26 / 2^23)
        TfliteRequant.SoftmaxConstants k = TfliteRequant.softmax(1f, 1f / 16);
        assertEquals(1 << 30, k.multiplier());
        assertEquals(23, k.leftShift());
        assertEquals(-248, k.diffMin());
    }

    @Test
    void binary64ScalesSplitIntoSignificandAndExponent() {
        double[] v = {0.1, 1.0, 3.0e-7, Math.scalb(1.0, -1070)};
        long[] s = TfliteRequant.significands(v);
        int[] e = TfliteRequant.exponents(v);
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i], Math.scalb((double) s[i], e[i]));
        }
    }
}
