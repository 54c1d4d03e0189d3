package dev.tinytrain.compiler.zoo;

import dev.tinytrain.ir.importer.HeadSpec;
import dev.tinytrain.ir.importer.ImportedModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Built-in architectures of the three models of the paper, with <b>synthetic</b> weights: for trying the
 * compiler (memory reports, generated code, training-step mechanics) without the pretrained files. The layer
 * structure, and so every conv count, MAC count, activation size and memory figure, is that of the pretrained
 * model; the weights and quantization ranges are seeded random numbers (see {@link SyntheticModelBuilder}), so
 * the network recognises nothing. The graph, the report and every description say so: the graph is named
 * {@code <model>-synthetic}.
 *
 * <pre>{@code
 * ImportedModel m = ModelZoo.build("mcunet-5fps");          // mcunet-5fps-synthetic, 128x128, 10-class head
 * CompiledModel c = Compiler.compile(m.graph(), Target.STM32F746, CompileOptions.preset("mcunet-99kb", 1e-3f));
 * }</pre>
 */
public final class ModelZoo {
    /** Suffix of every zoo graph name. */
    public static final String SYNTHETIC_SUFFIX = "-synthetic";
    /** Seed of every synthetic weight; change it and every zoo model changes. */
    public static final long SEED = 20_221_128L;
    /** Bumped whenever the generated weights change (stamps and descriptions carry it). */
    public static final int GENERATOR_VERSION = 2;

    private static final Map<String, Architecture> MODELS = new LinkedHashMap<>();

    static {
        for (Architecture a : List.of(Architecture.MCUNET_5FPS, Architecture.MBV2_W035, Architecture.PROXYLESS_W03)) {
            MODELS.put(a.name(), a);
        }
    }

    private ModelZoo() {
    }

    /** The zoo's model names: {@code mcunet-5fps}, {@code mbv2-w0.35}, {@code proxyless-w0.3}. */
    public static List<String> names() {
        return List.copyOf(MODELS.keySet());
    }

    /** True when {@code name} is a zoo model (with or without the {@code -synthetic} suffix). */
    public static boolean contains(String name) {
        return find(name).isPresent();
    }

    /** The architecture called {@code name} (with or without the {@code -synthetic} suffix). */
    public static Optional<Architecture> find(String name) {
        String base = name.endsWith(SYNTHETIC_SUFFIX) ? name.substring(0, name.length() - SYNTHETIC_SUFFIX.length())
                : name;
        return Optional.ofNullable(MODELS.get(base));
    }

    /**
     * The architecture called {@code name}.
     *
     * @throws IllegalArgumentException listing the zoo when there is none
     */
    public static Architecture architecture(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("no built-in model '" + name
                + "'; the zoo has " + String.join(", ", names())));
    }

    /** The model at 128x128 with the default synthetic 10-class head. */
    public static ImportedModel build(String name) {
        Architecture a = architecture(name);
        return build(name, 128, HeadSpec.defaultTransfer(a.featureChannels()));
    }

    /**
     * Builds a zoo model's forward graph, ending in a float transfer head (as {@code McuModelImporter} with
     * {@code HeadSpec.transfer}).
     *
     * @param name a zoo name
     * @param resolution input height and width (the quantization is calibrated at 128x128 whatever it is, so
     *     the weights and ranges do not depend on it)
     * @param head the transfer head; {@link HeadSpec#defaultTransfer} for the default
     * @return the model: graph {@code <name>-synthetic}, {@code weightsSha256} a digest of every generated
     *     parameter and range, taps and conv order named as the importer names them
     */
    public static ImportedModel build(String name, int resolution, HeadSpec head) {
        Architecture a = architecture(name);
        if (resolution < 1) {
            throw new IllegalArgumentException("resolution must be positive, got " + resolution);
        }
        if (head.isPretrained()) {
            throw new IllegalArgumentException("zoo models have no pretrained classifier; give a transfer head");
        }
        return new SyntheticModelBuilder(a, a.name() + SYNTHETIC_SUFFIX, SEED + a.name().hashCode(), resolution,
                head).build();
    }

    /** One line saying what a zoo model is, for reports and logs. */
    public static String describe(String name) {
        Architecture a = architecture(name);
        return a.name() + SYNTHETIC_SUFFIX + ": built-in " + a.name() + " architecture (" + a.convCount()
                + " backbone convs, " + a.residualCount() + " residual adds) with SYNTHETIC weights (seeded random,"
                + " generator v" + GENERATOR_VERSION + ", not pretrained: memory and code are real, predictions"
                + " are not)";
    }
}
