package dev.tinytrain.backend.c;

import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.lowering.NodeLowering;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The C emitter of every op kind, in one registry ({@code COpEmittersTest} fails when a kind has none):
 * {@link CKernelPrinter} for every kind {@link NodeLowering} lowers, and the region emitters of the streamed backward
 * and the band region.
 */
public final class COpEmitters {
    private static final Map<OpKind, COpEmitter> EMITTERS = new EnumMap<>(OpKind.class);

    static {
        // every kind with a lowering: one generic printer
        for (OpKind kind : NodeLowering.loweredKinds()) {
            EMITTERS.put(kind, CKernelPrinter::emit);
        }
        // the regions (NodeLowering.SPECIALISED)
        EMITTERS.put(OpKind.STREAMED_BACKWARD, CStreamedEmitter::streamedBackward);
        EMITTERS.put(OpKind.BAND_REGION, CBandRegion::emit);
    }

    private COpEmitters() {
    }

    /** The emitter of {@code kind}, or empty when the C backend cannot emit it. */
    public static Optional<COpEmitter> forKind(OpKind kind) {
        return Optional.ofNullable(EMITTERS.get(kind));
    }

    static String i(long v) {
        return Long.toString(Math.toIntExact(v));
    }
}
