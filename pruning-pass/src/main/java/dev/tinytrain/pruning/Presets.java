package dev.tinytrain.pruning;

import dev.tinytrain.pruning.ChannelSelection.Rule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Named sparse-update policies:
 * <ul>
 *   <li>the 15 compile schemes of TTE's {@code compilation/mcu_ir_gen.py} ({@code TTE-FACTS.md} §F.2), named
 *       {@code <model>-<label>} after their analytic memory budget: {@code mcunet-49kb} .. {@code proxyless-148kb}.
 *       Entries with ratio 0 are dropped, as TTE does; channels are picked by {@link Rule#MAGNITUDE}, as in the
 *       authors' simulator. {@code mcunet-99kb} is also the script's "100KB" scheme and the mcunet train
 *       goldens' scheme;</li>
 *   <li>{@code mbv2-golden} and {@code proxyless-golden}: the other train goldens' scheme, the biases of the last
 *       6 convs and all channels of the last 2 convs' weights;</li>
 *   <li>{@code head-only} (any model) and {@code all} (every parameter, any model);</li>
 *   <li>two generic families for any model, an imported {@code .tflite} one included, named by pattern:
 *       {@code last-<N>-biases} (the biases of the last N backbone convs) and
 *       {@code last-<N>-biases-<M>-weights-<R>} (those biases, and the weights of the last M &lt;= N convs on a
 *       channel ratio R in (0, 1], channels by magnitude), e.g. {@code last-6-biases-2-weights-0.5}.</li>
 * </ul>
 * The model-specific presets carry their model as {@link SparseUpdatePolicy#target()}.
 */
public final class Presets {
    private static final String MCUNET = "mcunet-5fps";
    private static final String MBV2 = "mbv2-w0.35";
    private static final String PROXYLESS = "proxyless-w0.3";
    /** Backbone convs of each model ({@code TTE-FACTS.md} §A.1). */
    private static final Map<String, Integer> CONVS = Map.of(MCUNET, 42, MBV2, 51, PROXYLESS, 60);
    private static final Map<String, SparseUpdatePolicy> PRESETS = new LinkedHashMap<>();

    static {
        int[] mcunetA = {21, 24, 27, 30, 36, 39};
        scheme("mcunet-49kb", MCUNET, 20, new int[] {23, 24, 27, 30, 33, 39}, 0, .25, .5, .5, 0, 0);
        scheme("mcunet-74kb", MCUNET, 21, new int[] {21, 23, 24, 26, 27, 30}, 1, 0, 1, 0, .5, 1);
        scheme("mcunet-99kb", MCUNET, 22, mcunetA, 1, 1, 1, 1, .125, .25);
        scheme("mcunet-124kb", MCUNET, 24, new int[] {21, 24, 27, 30, 33, 39}, .25, 1, 1, 1, .5, .5);
        scheme("mcunet-148kb", MCUNET, 23, mcunetA, 1, 1, 1, 1, 1, .5);
        int[] mbv2B = {27, 30, 33, 36, 39, 42, 45, 48};
        scheme("mbv2-49kb", MBV2, 16, new int[] {36, 39, 40, 41, 42, 45, 48, 49}, 1, 1, 0, .25, .125, .125, .125,
                .125);
        scheme("mbv2-73kb", MBV2, 20, new int[] {32, 33, 36, 39, 41, 42, 45, 48}, .125, .5, .5, 1, .25, .125,
                .125, 1);
        scheme("mbv2-99kb", MBV2, 25, mbv2B, 1, 1, 1, 1, 1, .125, .5, 1);
        scheme("mbv2-123kb", MBV2, 31, mbv2B, 1, 1, 1, 1, 1, .5, 1, 1);
        scheme("mbv2-138kb", MBV2, 34, mbv2B, 1, 1, 1, 1, 1, 1, 1, 1);
        int[] proxylessB = {36, 39, 42, 45, 48, 51, 54, 57};
        scheme("proxyless-49kb", PROXYLESS, 21, new int[] {39, 42, 44, 45, 50, 51, 54, 57}, .25, 1, 0, 1, 0, .125,
                .25, .25);
        scheme("proxyless-74kb", PROXYLESS, 28, new int[] {33, 36, 39, 42, 45, 51, 54, 57}, .5, .25, 1, 1, 1, .5,
                .25, .5);
        scheme("proxyless-98kb", PROXYLESS, 25, proxylessB, 1, .5, 1, 1, .25, .5, 1, 1);
        scheme("proxyless-120kb", PROXYLESS, 32, proxylessB, 1, 1, 1, 1, .5, 1, 1, 1);
        scheme("proxyless-148kb", PROXYLESS, 45, proxylessB, 1, 1, 1, 1, 1, 1, 1, 1);
        for (String[] golden : new String[][] {{"mbv2-golden", MBV2}, {"proxyless-golden", PROXYLESS}}) {
            PRESETS.put(golden[0], SparseUpdatePolicy.builder().biasWindow(6)
                    .lastWeights(2, ChannelSelection.all()).target(golden[1], CONVS.get(golden[1])).build());
        }
        PRESETS.put("head-only", SparseUpdatePolicy.builder().build());
        PRESETS.put("all", SparseUpdatePolicy.builder().allBiases().allWeights().build());
    }

    private Presets() {
    }

    private static void scheme(String name, String model, int nBias, int[] idx, double... ratios) {
        if (idx.length != ratios.length) {
            throw new IllegalStateException(name + ": " + idx.length + " layers, " + ratios.length + " ratios");
        }
        SparseUpdatePolicy.Builder b = SparseUpdatePolicy.builder().biasWindow(nBias).target(model, CONVS.get(model));
        for (int i = 0; i < idx.length; i++) {
            if (ratios[i] > 0) { // TTE skips ratio-0 entries
                b.weight(idx[i], ChannelSelection.ratio(ratios[i], Rule.MAGNITUDE));
            }
        }
        PRESETS.put(name, b.build());
    }

    /** Every preset name, in a fixed order (the TTE schemes by model and budget, then the others). */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(PRESETS.keySet()));
    }

    /** The generic preset families, as they appear in messages. */
    public static final String GENERIC_FAMILIES = "last-<N>-biases, last-<N>-biases-<M>-weights-<R>";
    private static final Pattern LAST_BIASES = Pattern.compile("last-(\\d{1,9})-biases");
    private static final Pattern LAST_WEIGHTS =
            Pattern.compile("last-(\\d{1,9})-biases-(\\d{1,9})-weights-(\\d*\\.?\\d+)");

    /**
     * The preset called {@code name}: a named preset, or one of the generic families ({@link #GENERIC_FAMILIES}).
     *
     * @throws PolicyException listing the known names when there is none, or naming the part of a generic name that
     *     is out of range
     */
    public static SparseUpdatePolicy get(String name) {
        SparseUpdatePolicy p = PRESETS.get(name);
        if (p != null) {
            return p;
        }
        Matcher biases = LAST_BIASES.matcher(name);
        if (biases.matches()) {
            return SparseUpdatePolicy.builder().biasWindow(Integer.parseInt(biases.group(1))).build();
        }
        Matcher weights = LAST_WEIGHTS.matcher(name);
        if (weights.matches()) {
            int n = Integer.parseInt(weights.group(1));
            int m = Integer.parseInt(weights.group(2));
            double ratio = Double.parseDouble(weights.group(3));
            if (m < 1 || m > n) {
                throw new PolicyException("preset '" + name + "': the weights of the last " + m + " convs must lie"
                        + " inside the bias window of the last " + n + " (1 <= M <= N)");
            }
            try {
                return SparseUpdatePolicy.builder().biasWindow(n)
                        .lastWeights(m, ChannelSelection.ratio(ratio, Rule.MAGNITUDE)).build();
            } catch (PolicyException e) {
                throw new PolicyException("preset '" + name + "': " + e.getMessage(), e);
            }
        }
        throw new PolicyException("unknown sparse-update preset '" + name + "'; known presets: "
                + String.join(", ", PRESETS.keySet()) + ", and for any model " + GENERIC_FAMILIES);
    }
}
