package dev.tinytrain.ir;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * Whether a parameter is updated by training and, for a partial update, which channels are: input channels of a
 * dense conv weight, channels of a depthwise conv weight, all channels of a bias or of the head.
 *
 * @param trainable false for a frozen parameter (kept {@code const}, in Flash on the target)
 * @param channels the trainable channels in increasing order, or empty to mean all channels
 */
public record Trainability(boolean trainable, List<Integer> channels) {

    /** A frozen parameter. */
    public static final Trainability FROZEN = new Trainability(false, List.of());
    /** A parameter whose every element is trained. */
    public static final Trainability ALL = new Trainability(true, List.of());

    /** Validates: channels are distinct, sorted and non-negative; frozen parameters list none. */
    public Trainability {
        channels = ImmutableList.copyOf(channels);
        if (!trainable && !channels.isEmpty()) {
            throw new IllegalArgumentException("a frozen parameter has no trainable channels");
        }
        for (int i = 0; i < channels.size(); i++) {
            if (channels.get(i) < 0 || (i > 0 && channels.get(i) <= channels.get(i - 1))) {
                throw new IllegalArgumentException("trainable channels must be distinct, sorted and >= 0: " + channels);
            }
        }
    }

    /** Only the given channels are trained. */
    public static Trainability channels(List<Integer> channels) {
        return new Trainability(true, channels);
    }

    /** True when every channel is trained. */
    public boolean allChannels() {
        return trainable && channels.isEmpty();
    }
}
