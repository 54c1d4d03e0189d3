package dev.tinytrain.backend.c;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every public JVM kernel method has a C counterpart (or a stated reason why C does not need one), every C
 * counterpart is declared in {@code tt_kernels.h}, and every C function of the header is exercised by the
 * conformance tests. A kernel added on the JVM side without its C port fails here.
 *
 * <p>The JVM kernel classes are discovered, not listed: every public class of the package
 * {@code dev.tinytrain.backend.jvm.kernels} (and its public nested records) is scanned.
 */
class KernelCoverageTest {

    private static final String KERNEL_PACKAGE = ForwardKernels.class.getPackageName();

    /** {@code Class.method} (nested: {@code Outer.Inner.method}) -> C function. Overloads share one C function. */
    static final Map<String, String> C_NAME = Map.ofEntries(
            // ForwardKernels
            entry("ForwardKernels.conv2d", "tt_conv2d"),
            entry("ForwardKernels.quantizedAdd", "tt_quantized_add"),
            entry("ForwardKernels.globalAvgPool", "tt_global_avg_pool"),
            entry("ForwardKernels.dequantize", "tt_dequantize"),
            entry("ForwardKernels.linear", "tt_linear"),
            // ArenaAccess
            entry("ArenaAccess.getFloat", "tt_get_f32"),
            entry("ArenaAccess.putFloat", "tt_put_f32"),
            entry("ArenaAccess.getInt", "tt_get_i32"),
            entry("ArenaAccess.putInt", "tt_put_i32"),
            entry("ArenaAccess.getMaskBit", "tt_get_mask_bit"),
            entry("ArenaAccess.maskBytes", "tt_mask_bytes"),
            // BackwardKernels
            entry("BackwardKernels.applyClampMask", "tt_apply_clamp_mask"),
            entry("BackwardKernels.maskAndScaleOutputGrad", "tt_mask_and_scale_output_grad"),
            entry("BackwardKernels.convInputGrad", "tt_conv_input_grad"),
            entry("BackwardKernels.convBiasGradChannel", "tt_conv_bias_grad_channel"),
            entry("BackwardKernels.convBiasGrad", "tt_conv_bias_grad"),
            entry("BackwardKernels.convWeightGradChannel", "tt_conv_weight_grad_channel"),
            entry("BackwardKernels.convWeightGrad", "tt_conv_weight_grad"),
            entry("BackwardKernels.addBackward", "tt_add_backward"),
            entry("BackwardKernels.avgPoolBackward", "tt_avg_pool_backward"),
            entry("BackwardKernels.dequantizeBackward", "tt_dequantize_backward"),
            entry("BackwardKernels.linearInputGrad", "tt_linear_input_grad"),
            entry("BackwardKernels.linearWeightGradRow", "tt_linear_weight_grad_row"),
            entry("BackwardKernels.linearWeightGrad", "tt_linear_weight_grad"),
            // BackwardKernels.ConvGeom (the record's constructor checks are tt_conv_geom_valid)
            entry("BackwardKernels.ConvGeom.<init>", "tt_conv_geom_valid"),
            entry("BackwardKernels.ConvGeom.of", "tt_conv_geom_of"),
            entry("BackwardKernels.ConvGeom.depthwise", "tt_conv_geom_depthwise"),
            entry("BackwardKernels.ConvGeom.inPerGroup", "tt_conv_geom_in_per_group"),
            entry("BackwardKernels.ConvGeom.outPerGroup", "tt_conv_geom_out_per_group"),
            entry("BackwardKernels.ConvGeom.weightCount", "tt_conv_geom_weight_count"),
            entry("BackwardKernels.ConvGeom.outPositions", "tt_conv_geom_out_positions"),
            entry("BackwardKernels.ConvGeom.weightIndex", "tt_conv_geom_weight_index"),
            entry("BackwardKernels.ConvGeom.channelWorkspaceFloats", "tt_conv_geom_channel_workspace_floats"),
            // LossKernels, Float32Math, CounterRng
            entry("LossKernels.softmaxCrossEntropy", "tt_softmax_cross_entropy"),
            entry("Float32Math.exp", "tt_expf"),
            entry("Float32Math.log", "tt_logf"),
            entry("CounterRng.fmix32", "tt_rng_fmix32"),
            entry("CounterRng.key", "tt_rng_key"),
            entry("CounterRng.bits", "tt_rng_bits"),
            entry("CounterRng.uniform", "tt_rng_uniform"),
            // UpdateKernels
            entry("UpdateKernels.qasBiasDivisor", "tt_qas_bias_divisor"),
            entry("UpdateKernels.qasWeightDivisor", "tt_qas_weight_divisor"),
            entry("UpdateKernels.qasBiasDivisors", "tt_qas_bias_divisors"),
            entry("UpdateKernels.qasWeightDivisors", "tt_qas_weight_divisors"),
            entry("UpdateKernels.qas", "tt_qas"),
            entry("UpdateKernels.roundWeightNearestEven", "tt_round_weight_nearest_even"),
            entry("UpdateKernels.roundWeightStochastic", "tt_round_weight_stochastic"),
            entry("UpdateKernels.roundBiasNearestEven", "tt_round_bias_nearest_even"),
            entry("UpdateKernels.roundBiasStochastic", "tt_round_bias_stochastic"),
            entry("UpdateKernels.updateConvWeightChannel", "tt_update_conv_weight_channel"),
            entry("UpdateKernels.updateConvWeight", "tt_update_conv_weight"),
            entry("UpdateKernels.updateBiasChannel", "tt_update_bias_channel"),
            entry("UpdateKernels.updateBias", "tt_update_bias"),
            entry("UpdateKernels.sgdFloat", "tt_sgd_float"),
            // masterOf(byte[]) and masterOf(int[]): C needs one name per element type
            entry("UpdateKernels.masterOf(byte[])", "tt_master_of_weights"),
            entry("UpdateKernels.masterOf(int[])", "tt_master_of_biases"),
            // StepKernels: one call per scheduled IR op of a generated model
            entry("StepKernels.add", "tt_add_f32"),
            entry("StepKernels.addGrad", "tt_add_grad"),
            entry("StepKernels.channelSlice", "tt_channel_slice"),
            entry("StepKernels.convWeightGrad", "tt_conv_weight_grad_compact"),
            entry("StepKernels.updateConvWeight", "tt_update_conv_weight_compact"),
            entry("StepKernels.updateConvBias", "tt_update_conv_bias"),
            entry("StepKernels.convWeightGradUpdate", "tt_conv_weight_grad_update"),
            entry("StepKernels.convBiasGradUpdate", "tt_conv_bias_grad_update"),
            entry("StepKernels.linearWeightGradUpdate", "tt_linear_weight_grad_update"),
            entry("StepKernels.softmaxCrossEntropy", "tt_softmax_cross_entropy_at"),
            entry("StepKernels.rngKey", "tt_step_rng_key"),
            // StreamedKernels (issue 15)
            entry("StreamedKernels.streamedBackward", "tt_streamed_backward"),
            // a band region's fused expansion and depthwise conv (issue 15): C runs the per-group passes of the
            // JVM's FastExpandDepthwise, compared with this reference on random shapes
            entry("ExpandDepthwise.referenceRows", "tt_expand_depthwise_rows"));

    /**
     * C functions that are storage variants of a Java kernel: the same computation on a generated model's parameter
     * storage (a split weight as {@code tt_weight}, an int32 bias read as {@code (float) bias}). The conformance
     * tests run each on split and whole storage against the whole-array Java kernel named here.
     */
    static final Map<String, String> C_STORAGE_VARIANTS = Map.of(
            "tt_conv2d_p", "ForwardKernels.conv2d",
            "tt_conv_input_grad_p", "BackwardKernels.convInputGrad",
            "tt_update_conv_weight_channel_p", "UpdateKernels.updateConvWeightChannel");

    /**
     * Fast C variants the emitter selects per node instead of a reference kernel, each with the Java kernel it must
     * equal byte for byte on the shapes it accepts (the conformance tests compare them on random shapes, on the
     * host and on the Cortex-M7 with and without the DSP extension).
     */
    static final Map<String, String> C_FAST_VARIANTS = Map.of(
            "tt_conv1x1", "ForwardKernels.conv2d",
            "tt_conv_im2col", "ForwardKernels.conv2d",
            "tt_depthwise_conv", "ForwardKernels.conv2d",
            "tt_conv1x1_input_grad", "BackwardKernels.convInputGrad",
            "tt_depthwise_input_grad", "BackwardKernels.convInputGrad",
            "tt_conv1x1_weight_grad_update", "StepKernels.convWeightGradUpdate");

    /** JVM methods deliberately without a C counterpart, and why. */
    static final Map<String, String> NOT_IN_C = Map.of(
            "Requant.effectiveScale",
            "float64 arithmetic (FORMAT.md 3.2 step 3): evaluated once by the Java compiler and emitted as float32 "
                    + "constants (the eff[] tables); the C runtime has no double and never sees float64 scales",
            "Requant.effectiveScales", "array form of Requant.effectiveScale, same reason",
            "StreamedKernels.Region.<init>",
            "the lowered constants of a streamed region; C's is the generated static const tt_stream_region, whose "
                    + "invariants tt_streamed_backward asserts (TT_CHECKS)",
            "ExpandDepthwise.<init>",
            "the lowered constants of a fused band layer; C's is the generated static const tt_expand_dw",
            "StreamedKernels.Update.<init>",
            "the constant part of a streamed region's update; C's is the generated static const tt_stream_update",
            "StepKernels.scaledLr",
            "reads the JVM program's state array; its C counterpart is the generated model's tt__lr (tt_model.c, "
                    + "the scale set by tt_set_lr_scale), compared step by step in CTrainingEquivalenceTest");

    /** Java overloads that need distinct C names are keyed with their parameter types. */
    private static final Set<String> KEYED_BY_SIGNATURE = Set.of("UpdateKernels.masterOf");

    // ------------------------------------------------------------------------------------------------- discovery

    /** Every public kernel entry point of the package: public static methods, record methods, record constructors. */
    static Set<String> javaKernelMethods() throws Exception {
        Set<String> keys = new TreeSet<>();
        for (Class<?> c : kernelClasses()) {
            if (!Modifier.isPublic(c.getModifiers()) || c.isEnum()) {
                continue;
            }
            String owner = c.getName().substring(KERNEL_PACKAGE.length() + 1).replace('$', '.');
            Set<String> accessors = c.isRecord()
                    ? Arrays.stream(c.getRecordComponents()).map(RecordComponent::getName).collect(Collectors.toSet())
                    : Set.of();
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic()) {
                    continue;
                }
                boolean isStatic = Modifier.isStatic(m.getModifiers());
                if (!isStatic && !c.isRecord()) {
                    continue;
                }
                if (c.isRecord() && (accessors.contains(m.getName())
                        || Set.of("equals", "hashCode", "toString").contains(m.getName()))) {
                    continue;
                }
                keys.add(key(owner, m));
            }
            if (c.isRecord()) {
                keys.add(owner + ".<init>");
            }
        }
        return keys;
    }

    private static String key(String owner, Method m) {
        String base = owner + "." + m.getName();
        if (KEYED_BY_SIGNATURE.contains(base)) {
            return base + "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                    .collect(Collectors.joining(",")) + ")";
        }
        return base;
    }

    /** The classes of the kernel package, from the directory or jar that holds {@link ForwardKernels}. */
    static List<Class<?>> kernelClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path location = Path.of(ForwardKernels.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String dir = KERNEL_PACKAGE.replace('.', '/');
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> s = Files.list(location.resolve(dir))) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class")).forEach(names::add);
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                jar.stream().map(e -> e.getName())
                        .filter(n -> n.startsWith(dir + "/") && n.endsWith(".class") && n.indexOf('/', dir.length() + 1) < 0)
                        .map(n -> n.substring(dir.length() + 1)).forEach(names::add);
            }
        }
        List<Class<?>> classes = new ArrayList<>();
        for (String n : names) {
            classes.add(Class.forName(KERNEL_PACKAGE + "." + n.substring(0, n.length() - ".class".length()), false,
                    KernelCoverageTest.class.getClassLoader()));
        }
        return classes;
    }

    /** Names of the functions declared in tt_kernels.h (prototypes and static inline definitions). */
    static Set<String> headerFunctions() {
        String h = CRuntime.read("tt_kernels.h").replaceAll("(?s)/\\*.*?\\*/", " ");
        Matcher m = Pattern.compile("(?m)^(?:static inline )?[a-z_][a-z0-9_ ]*[ *](tt_[a-z0-9_]+)\\(").matcher(h);
        Set<String> names = new TreeSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    // ------------------------------------------------------------------------------------------------- tests

    @Test
    void everyJavaKernelMethodHasACCounterpart() throws Exception {
        Set<String> java = javaKernelMethods();
        assertTrue(java.contains("ForwardKernels.conv2d") && java.contains("UpdateKernels.sgdFloat"),
                "discovery found the kernel classes: " + java);
        List<String> missing = java.stream().filter(k -> !C_NAME.containsKey(k) && !NOT_IN_C.containsKey(k)).toList();
        assertTrue(missing.isEmpty(), "JVM kernel methods without a C counterpart in tt_kernels.h (port them, "
                + "then add them to KernelCoverageTest.C_NAME and to the conformance driver): " + missing);
    }

    @Test
    void storageVariantsNameExistingKernels() throws Exception {
        Set<String> java = javaKernelMethods();
        Set<String> declared = headerFunctions();
        Map<String, String> variants = new java.util.HashMap<>(C_STORAGE_VARIANTS);
        variants.putAll(C_FAST_VARIANTS);
        variants.forEach((c, j) -> {
            assertTrue(java.contains(j), c + " names a JVM kernel that does not exist: " + j);
            assertTrue(declared.contains(c), c + " is not declared in tt_kernels.h");
        });
    }

    @Test
    void theNameMapHasNoStaleEntries() throws Exception {
        Set<String> java = javaKernelMethods();
        List<String> stale = Stream.concat(C_NAME.keySet().stream(), NOT_IN_C.keySet().stream())
                .filter(k -> !java.contains(k)).sorted().toList();
        assertTrue(stale.isEmpty(), "entries naming JVM methods that no longer exist: " + stale);
    }

    @Test
    void everyCounterpartIsDeclaredInTheHeader() {
        Set<String> declared = headerFunctions();
        List<String> undeclared = C_NAME.values().stream().filter(f -> !declared.contains(f)).distinct().sorted().toList();
        assertTrue(undeclared.isEmpty(), "named in C_NAME but not declared in tt_kernels.h: " + undeclared);
    }

    @Test
    void everyHeaderFunctionPortsAJavaKernelAndIsExercised() {
        Set<String> declared = new TreeSet<>(headerFunctions());
        declared.remove("tt_check_failed"); // the application's TT_CHECKS hook, not a kernel
        assertTrue(declared.size() > 50, "header parsing found " + declared);
        List<String> unmapped = declared.stream()
                .filter(f -> !C_NAME.containsValue(f) && !C_STORAGE_VARIANTS.containsKey(f)
                        && !C_FAST_VARIANTS.containsKey(f)).toList();
        assertTrue(unmapped.isEmpty(), "C functions that port no JVM kernel (undocumented API): " + unmapped);
        Set<String> exercised = CKernel.exercisedFunctions();
        List<String> untested = declared.stream().filter(f -> !exercised.contains(f)).toList();
        assertTrue(untested.isEmpty(), "C functions no conformance case kind calls: " + untested);
        List<String> unknown = exercised.stream().filter(f -> !declared.contains(f)).toList();
        assertTrue(unknown.isEmpty(), "CKernel names functions the header does not declare: " + unknown);
    }

    @Test
    void roundingModesMatchTheCEnum() {
        String h = CRuntime.read("tt_kernels.h");
        for (RoundingMode m : RoundingMode.values()) {
            Matcher mm = Pattern.compile("TT_ROUND_" + m.name() + "\\s*=\\s*(\\d+)").matcher(h);
            assertTrue(mm.find(), "tt_rounding_mode lacks TT_ROUND_" + m.name());
            assertEquals(m.ordinal(), Integer.parseInt(mm.group(1)), "TT_ROUND_" + m.name()
                    + " must equal the Java ordinal (the conformance driver passes ordinals)");
        }
        Matcher all = Pattern.compile("TT_ROUND_([A-Z_]+)\\s*=").matcher(h);
        int n = 0;
        while (all.find()) {
            n++;
        }
        assertEquals(RoundingMode.values().length, n, "C has rounding modes the JVM does not");
    }

    @Test
    void caseKindNumbersAreUnique() {
        assertEquals(CKernel.values().length,
                Arrays.stream(CKernel.values()).mapToInt(k -> k.id).distinct().count());
        assertFalse(CKernel.idsHeader().isBlank());
    }
}
