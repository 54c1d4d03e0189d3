package dev.tinytrain.golden;


/** The sparse-update schemes of the train goldens. */
public final class GoldenSchemes {
    private GoldenSchemes() {
    }

    /** The scheme the authors used for {@code model}'s train goldens. */
    public static String defaultScheme(String model) {
        return switch (model) {
            case "mcunet-5fps" -> "mcunet-99kb";
            case "mbv2-w0.35" -> "mbv2-golden";
            case "proxyless-w0.3" -> "proxyless-golden";
            default -> throw new IllegalArgumentException("no default scheme for model '" + model + "'; pass --scheme");
        };
    }
}
