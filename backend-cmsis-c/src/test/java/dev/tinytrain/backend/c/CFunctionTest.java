package dev.tinytrain.backend.c;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.JvmKernels;
import dev.tinytrain.lowering.ArgKind;
import dev.tinytrain.lowering.Kernel;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kernel's C function is declared by the runtime with the parameters {@link CKernelPrinter} fills for the
 * kernel's signature, and it is the C twin of the kernel's JVM method (the pairing {@link KernelCoverageTest} keeps):
 * one {@link Kernel} names one computation on both backends.
 */
class CFunctionTest {

    /** The C parameter types each argument kind fills, as {@link CKernelPrinter} prints it (alternatives by '|'). */
    private static final Map<ArgKind, List<String>> C_TYPES = Map.ofEntries(
            entry(ArgKind.ARENA, List.of("int8_t *|const int8_t *")),
            entry(ArgKind.OFFSET, List.of("int32_t")),
            entry(ArgKind.OPTIONAL_OFFSET, List.of("int32_t")),
            entry(ArgKind.INT, List.of("int32_t")),
            entry(ArgKind.FLOAT, List.of("float")),
            entry(ArgKind.BOOL, List.of("int|int32_t")),
            entry(ArgKind.BYTE_COUNT, List.of("size_t")),
            entry(ArgKind.FLOAT_TABLE, List.of("const float *")),
            entry(ArgKind.OPTIONAL_FLOAT_TABLE, List.of("const float *")),
            entry(ArgKind.INT32_TABLE, List.of("const int32_t *")),
            entry(ArgKind.INT64_TABLE, List.of("const int64_t *")),
            entry(ArgKind.INDEX_LIST, List.of("const int32_t *", "int32_t")),
            entry(ArgKind.CONV_GEOMETRY, List.of("const tt_conv_geom *")),
            entry(ArgKind.INT8_WEIGHT, List.of("const tt_weight *")),
            entry(ArgKind.FLOAT_PARAM, List.of("float *|const float *")),
            entry(ArgKind.INT32_PARAM, List.of("int32_t *|const int32_t *")),
            entry(ArgKind.CONV_BIAS, List.of("const int32_t *", "const float *")),
            entry(ArgKind.MASTER, List.of("float *")),
            entry(ArgKind.FORWARD_VIEW, List.of()),
            entry(ArgKind.ROUNDING, List.of("tt_rounding_mode")),
            entry(ArgKind.LEARNING_RATE, List.of("float")),
            entry(ArgKind.RNG_KEY, List.of("uint32_t")));

    /** The parameter types of {@code function}'s prototype in the runtime headers (names and comments dropped). */
    private static List<String> prototype(String function) {
        String headers = (CRuntime.read("tt_kernels.h") + "\n" + CRuntime.read("tt_tflite.h"))
                .replaceAll("(?s)/\\*.*?\\*/", " ");
        Matcher m = Pattern.compile("(?m)^[a-z_][a-z0-9_]*[ *]+" + function + "\\(([^)]*)\\)\\s*;").matcher(headers);
        assertTrue(m.find(), function + " is not declared in tt_kernels.h or tt_tflite.h");
        List<String> types = new ArrayList<>();
        for (String p : m.group(1).split(",")) {
            String t = p.trim().replaceAll("\\s+", " ").replaceAll("[A-Za-z_][A-Za-z0-9_]*$", "").trim();
            types.add(t.replace(" *", "*").replace("*", " *").trim());
        }
        return types;
    }

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void theRuntimePrototypeTakesWhatThePrinterPasses(Kernel kernel) {
        CFunction f = CFunction.forKernel(kernel);
        List<String> expected = new ArrayList<>();
        kernel.signature().forEach(k -> expected.addAll(C_TYPES.get(k)));
        if (f.form() == CFunction.Form.MEMMOVE) {
            // C's own memmove(dst, src, n): the printer turns (arena, src, arena, dst, bytes) into two pointers
            assertEquals(List.of(ArgKind.ARENA, ArgKind.OFFSET, ArgKind.ARENA, ArgKind.OFFSET, ArgKind.BYTE_COUNT),
                    kernel.signature());
            assertTrue(CRuntime.read("tt_kernels.h").contains("#include <string.h>"), "memmove's header");
            return;
        }
        for (CFunction variant : CFunction.variants(kernel)) {
            // a fast variant takes what the general one takes, or the arguments it lists and the tables it derives
            List<String> takes = expected;
            if (!variant.arguments().isEmpty()) {
                takes = new ArrayList<>();
                for (int i : variant.arguments()) {
                    takes.addAll(i == CFunction.ZERO_POINT_WEIGHT_SUMS ? List.of("const int32_t *")
                            : C_TYPES.get(kernel.signature().get(i)));
                }
            }
            List<String> declared = prototype(variant.name());
            assertEquals(takes.size(), declared.size(), variant.name() + " parameters " + declared + " vs "
                    + takes);
            for (int i = 0; i < declared.size(); i++) {
                assertTrue(Set.of(takes.get(i).split("\\|")).contains(declared.get(i)), variant.name()
                        + " parameter " + i + " is '" + declared.get(i) + "', the printer passes " + takes.get(i));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void theCFunctionIsTheTwinOfTheJvmMethod(Kernel kernel) {
        Method m = JvmKernels.method(kernel);
        if (m.getDeclaringClass() == System.class) {
            assertEquals("memmove", CFunction.forKernel(kernel).name());
            return;
        }
        String owner = m.getDeclaringClass().getSimpleName();
        String javaKernel = owner + "." + m.getName();
        String twin = m.getDeclaringClass().getPackageName().endsWith(".tflite")
                ? TfliteKernelCoverageTest.C_NAME.get(m.getName())
                : KernelCoverageTest.C_NAME.get(javaKernel);
        List<CFunction> variants = CFunction.variants(kernel);
        String general = variants.get(0).name();
        // the general function is the twin itself, or its variant on the model's parameter storage (tt_weight)
        assertTrue(general.equals(twin) || javaKernel.equals(KernelCoverageTest.C_STORAGE_VARIANTS.get(general)),
                kernel + ": " + general + " is not the C twin of " + javaKernel + " "
                        + Arrays.toString(m.getParameterTypes()) + " (" + twin + ")");
        for (CFunction fast : variants.subList(1, variants.size())) {
            assertEquals(javaKernel, KernelCoverageTest.C_FAST_VARIANTS.get(fast.name()), kernel + ": " + fast.name()
                    + " is not a fast variant of " + javaKernel + " in KernelCoverageTest.C_FAST_VARIANTS");
        }
    }
}
