package dev.tinytrain.backend.c;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinytrain.backend.jvm.tflite.TfliteKernels;
import dev.tinytrain.ir.ops.TfliteRequant;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scalar fixed-point routines (and the one-element float quantize) of {@code tt_tflite.c} against {@link TfliteKernels} on random and edge inputs,
 * built with host gcc under AddressSanitizer and fatal UBSan (the array kernels are covered end to end by the TFLite
 * goldens on host and Cortex-M7).
 */
class TfliteScalarConformanceTest {

    @TempDir
    Path dir;

    private static final String DRIVER = """
            #include <inttypes.h>
            #include <stdio.h>
            #include <string.h>
            #include "tt_tflite.h"
            int main(void) {
                char fn[8];
                long long a, b, c;
                while (scanf("%7s %lld %lld %lld", fn, &a, &b, &c) == 4) {
                    int32_t r;
                    switch (fn[0]) {
                    case 's': r = tt_tfl_srdhm((int32_t)a, (int32_t)b); break;
                    case 'd': r = tt_tfl_rdbpot((int32_t)a, (int32_t)b); break;
                    case 'm': r = tt_tfl_mbqm((int32_t)a, (int32_t)b, (int32_t)c); break;
                    case 'r': r = tt_tfl_round_scaled((int32_t)a, (int64_t)b, (int32_t)c); break;
                    case 'e': r = tt_tfl_exp_on_negative_values((int32_t)a); break;
                    case 'q': { /* a: float32 bits of x, b: float32 bits of the scale, c: zero point */
                        int8_t arena[8];
                        uint32_t xb = (uint32_t)a, sb = (uint32_t)b;
                        float scale;
                        memcpy(arena, &xb, 4);
                        memcpy(&scale, &sb, 4);
                        tt_tfl_quantize(arena, 0, 1, scale, (int32_t)c, 4);
                        r = arena[4];
                        break;
                    }
                    default: r = tt_tfl_one_over_one_plus_x((int32_t)a); break;
                    }
                    printf("%" PRId32 "\\n", r);
                }
                return 0;
            }
            """;

    @Test
    void scalarRoutinesMatchTheJvm() throws IOException {
        CHarness.requireTools(CHarness.Platform.HOST);
        for (String f : List.of("tt_kernels.h", "tt_tflite.h", "tt_tflite.c")) {
            Files.writeString(dir.resolve(f), CRuntime.read(f), StandardCharsets.UTF_8);
        }
        Files.writeString(dir.resolve("driver.c"), DRIVER, StandardCharsets.UTF_8);
        CHarness.Exec build = CHarness.exec(dir, Duration.ofMinutes(2), Map.of(), List.of("gcc", "-std=c99", "-Wall",
                "-Wextra", "-Werror", "-O2", "-ffp-contract=off", "-fsanitize=address,undefined",
                "-fno-sanitize-recover=all", "-I.", "driver.c", "tt_tflite.c", "-o", "driver"));
        assertEquals(0, build.exit(), build.output());

        Random r = new Random(14);
        List<String> lines = new ArrayList<>();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            int a = r.nextInt(5) == 0 ? edge(r) : r.nextInt();
            int b = r.nextInt(5) == 0 ? edge(r) : r.nextInt();
            lines.add("s " + a + " " + b + " 0");
            expected.add(TfliteKernels.saturatingRoundingDoublingHighMul(a, b));
            int e = r.nextInt(32);
            lines.add("d " + a + " " + e + " 0");
            expected.add(TfliteKernels.roundingDivideByPot(a, e));
            int m = (1 << 30) + r.nextInt(1 << 30);
            int shift = r.nextInt(20) - 18;
            int x = r.nextInt(1 << 20) - (1 << 19);
            lines.add("m " + x + " " + m + " " + shift);
            expected.add(TfliteKernels.multiplyByQuantizedMultiplier(x, m, shift));
            double[] eff = {Math.scalb(0.5 + r.nextDouble() / 2, r.nextInt(48) - 40)};
            long sig = TfliteRequant.significands(eff)[0];
            int exp = TfliteRequant.exponents(eff)[0];
            lines.add("r " + a + " " + sig + " " + exp);
            expected.add(TfliteKernels.roundScaled(a, sig, exp));
            int neg = -r.nextInt(31 << 26);
            lines.add("e " + neg + " 0 0");
            expected.add(TfliteKernels.expOnNegativeValues(neg));
            float xf = switch (r.nextInt(4)) {
                case 0 -> (r.nextInt(400) - 200 + 0.5f) * 0.05f; // at or near a rounding tie
                case 1 -> r.nextBoolean() ? Float.NaN : (r.nextBoolean() ? 1e30f : -1e30f);
                default -> (float) r.nextGaussian() * 4;
            };
            int zero = r.nextInt(256) - 128;
            lines.add("q " + (Float.floatToRawIntBits(xf) & 0xFFFFFFFFL) + " " + Float.floatToRawIntBits(0.05f) + " "
                    + zero);
            byte[] arena = new byte[8];
            java.nio.ByteBuffer.wrap(arena).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, xf);
            TfliteKernels.quantize(arena, 0, 1, 0.05f, zero, 4);
            expected.add((int) arena[4]);
            int unit = r.nextInt(Integer.MAX_VALUE);
            lines.add("o " + unit + " 0 0");
            expected.add(TfliteKernels.oneOverOnePlusX(unit));
        }
        Files.write(dir.resolve("in.txt"), lines, StandardCharsets.UTF_8);
        CHarness.Exec run = CHarness.exec(dir, Duration.ofMinutes(2), Map.of(), List.of("sh", "-c",
                "./driver < in.txt > out.txt"));
        assertEquals(0, run.exit(), run.output());
        List<String> got = Files.readAllLines(dir.resolve("out.txt"));
        assertEquals(lines.size(), got.size(), "results");
        for (int i = 0; i < lines.size(); i++) {
            assertEquals((int) expected.get(i), Integer.parseInt(got.get(i)), lines.get(i));
        }
    }

    private static int edge(Random r) {
        int[] e = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 30, -(1 << 30), 255, -256};
        return e[r.nextInt(e.length)];
    }
}
