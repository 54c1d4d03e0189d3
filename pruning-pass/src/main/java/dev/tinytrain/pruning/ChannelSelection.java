package dev.tinytrain.pruning;

import com.google.common.collect.ImmutableList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which channels of a conv weight are trained: input channels of a dense conv, channels of a depthwise conv.
 * Either a {@link Ratio} of the channels picked by a {@link Rule}, or an {@link Explicit} list.
 */
public sealed interface ChannelSelection permits ChannelSelection.Ratio, ChannelSelection.Explicit {

    /** How a ratio picks its channels. */
    enum Rule {
        /** The first k channels (TinyEngine on the device). */
        FIRST_K,
        /**
         * The k channels whose int8 weights have the largest L2 norm (over output channels and kernel positions for a
         * dense conv, over kernel positions for a depthwise conv), as the authors' simulator
         * ({@code weight_select_criteria: magnitude+}). Equal norms go to the lower channel index.
         */
        MAGNITUDE;

        /** The name used in policy files: {@code first_k}, {@code magnitude}. */
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The rule with this policy-file name, or null. */
        public static Rule fromJsonName(String s) {
            for (Rule r : values()) {
                if (r.jsonName().equals(s)) {
                    return r;
                }
            }
            return null;
        }
    }

    /**
     * A fraction of the channels: {@code k = floor(C * ratio)}, as the authors' simulator counts
     * ({@code int(conv.in_channels * keep_ratio)}: 0.125 of 96 is 12).
     *
     * @param ratio in (0, 1]; 1 trains every channel
     * @param rule how the k channels are picked
     */
    record Ratio(double ratio, Rule rule) implements ChannelSelection {

        /** Validates the ratio. */
        public Ratio {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new PolicyException("ratio must be in (0, 1], got " + ratio);
            }
            if (rule == null) {
                throw new PolicyException("ratio " + ratio + " needs a selection rule (first_k or magnitude)");
            }
        }

        /** The number of channels kept out of {@code channels}. */
        public int keep(int channels) {
            return (int) Math.floor(channels * ratio);
        }
    }

    /**
     * These channels, in any order (resolution sorts them).
     *
     * @param channels distinct, non-negative channel indices, at least one
     */
    record Explicit(List<Integer> channels) implements ChannelSelection {

        /** Validates and copies the list. */
        public Explicit {
            if (channels == null || channels.isEmpty()) {
                throw new PolicyException("an explicit channel list needs at least one channel");
            }
            channels = ImmutableList.copyOf(channels);
            Set<Integer> seen = new HashSet<>();
            for (int c : channels) {
                if (c < 0) {
                    throw new PolicyException("channel " + c + " is negative");
                }
                if (!seen.add(c)) {
                    throw new PolicyException("channel " + c + " is listed twice");
                }
            }
        }
    }

    /** A fraction of the channels chosen by {@code rule}. */
    static ChannelSelection ratio(double ratio, Rule rule) {
        return new Ratio(ratio, rule);
    }

    /** Exactly these channels. */
    static ChannelSelection explicit(List<Integer> channels) {
        return new Explicit(channels);
    }

    /** Every channel (ratio 1). */
    static ChannelSelection all() {
        return new Ratio(1.0, Rule.MAGNITUDE);
    }
}
