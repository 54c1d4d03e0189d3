package dev.tinytrain.backend.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.tflite.TfliteBackwardKernels;
import dev.tinytrain.backend.jvm.tflite.TfliteKernels;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public kernel of {@link TfliteKernels} and {@link TfliteBackwardKernels} has its C twin declared in {@code tt_tflite.h}, and every function
 * there is one of them: a TFLite kernel added on one side only fails here (KernelCoverageTest does the same for the
 * float32-numerics kernels).
 */
class TfliteKernelCoverageTest {

    static final Map<String, String> C_NAME = Map.ofEntries(
            Map.entry("saturatingRoundingDoublingHighMul", "tt_tfl_srdhm"),
            Map.entry("roundingDivideByPot", "tt_tfl_rdbpot"),
            Map.entry("multiplyByQuantizedMultiplier", "tt_tfl_mbqm"),
            Map.entry("roundScaled", "tt_tfl_round_scaled"),
            Map.entry("conv2d", "tt_tfl_conv2d"),
            Map.entry("fullyConnected", "tt_tfl_fully_connected"),
            Map.entry("add", "tt_tfl_add"),
            Map.entry("pad", "tt_tfl_pad"),
            Map.entry("mean", "tt_tfl_mean"),
            Map.entry("pool", "tt_tfl_pool"),
            Map.entry("concat", "tt_tfl_concat"),
            Map.entry("relu", "tt_tfl_relu"),
            Map.entry("expOnNegativeValues", "tt_tfl_exp_on_negative_values"),
            Map.entry("oneOverOnePlusX", "tt_tfl_one_over_one_plus_x"),
            Map.entry("softmax", "tt_tfl_softmax"),
            Map.entry("quantize", "tt_tfl_quantize"),
            Map.entry("padBackward", "tt_tfl_pad_backward"),
            Map.entry("poolBackward", "tt_tfl_pool_backward"),
            Map.entry("concatBackward", "tt_tfl_concat_backward"));

    @Test
    void everyJvmKernelHasItsCTwinAndNothingElseIsDeclared() {
        TreeSet<String> jvm = Stream.of(TfliteKernels.class, TfliteBackwardKernels.class)
                .flatMap(k -> Arrays.stream(k.getDeclaredMethods()))
                .filter(m -> Modifier.isPublic(m.getModifiers())).map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(C_NAME.keySet()), jvm,
                "public TfliteKernels and TfliteBackwardKernels methods vs this table");
        TreeSet<String> declared = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^(?:int32_t|void) (tt_tfl_\\w+)\\(").matcher(CRuntime.read("tt_tflite.h"));
        while (m.find()) {
            declared.add(m.group(1));
        }
        assertEquals(new TreeSet<>(C_NAME.values()), declared, "functions of tt_tflite.h vs this table");
        String source = CRuntime.read("tt_tflite.c");
        for (String c : declared) {
            assertTrue(source.contains("\n" + (source.contains("void " + c + "(") ? "void " : "int32_t ") + c + "("),
                    c + " is defined in tt_tflite.c");
        }
    }
}
