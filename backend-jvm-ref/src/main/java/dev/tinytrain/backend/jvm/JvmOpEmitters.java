package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.ops.OpKind;
import dev.tinytrain.lowering.NodeLowering;
import java.util.EnumMap;
import java.util.Map;

/**
 * The JVM kernel emitter of every op kind, in one registry: {@link JvmKernelPrinter} for every kind
 * {@link NodeLowering} lowers, a region emitter for the streamed backward and the band region.
 * {@code JvmOpEmittersTest} fails when a kind has none.
 */
public final class JvmOpEmitters {
    private static final Map<OpKind, JvmOpEmitter> EMITTERS = new EnumMap<>(OpKind.class);

    static {
        // every kind with a lowering: one generic printer
        for (OpKind kind : NodeLowering.loweredKinds()) {
            EMITTERS.put(kind, JvmKernelPrinter::emit);
        }
        // the regions (NodeLowering.SPECIALISED)
        EMITTERS.put(OpKind.STREAMED_BACKWARD, StreamedEmitter::streamedBackward);
        EMITTERS.put(OpKind.BAND_REGION, BandRegionEmitter::bandRegion);
    }

    private JvmOpEmitters() {
    }

    /** The emitter of {@code kind}, or empty when the JVM backend cannot run it. */
    public static java.util.Optional<JvmOpEmitter> forKind(OpKind kind) {
        return java.util.Optional.ofNullable(EMITTERS.get(kind));
    }
}
