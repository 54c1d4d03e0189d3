package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.ops.OpKind;
import java.util.EnumMap;
import java.util.Map;

/**
 * The JVM kernel emitter of every op kind, in one registry. {@code JvmOpEmittersTest} fails when a kind has none.
 */
public final class JvmOpEmitters {
    private static final Map<OpKind, JvmOpEmitter> EMITTERS = new EnumMap<>(OpKind.class);

    static {
        EMITTERS.put(OpKind.CONV2D, ForwardEmitters::conv2d);
        EMITTERS.put(OpKind.QUANTIZED_ADD, ForwardEmitters::quantizedAdd);
        EMITTERS.put(OpKind.GLOBAL_AVG_POOL, ForwardEmitters::globalAvgPool);
        EMITTERS.put(OpKind.DEQUANTIZE, ForwardEmitters::dequantize);
        EMITTERS.put(OpKind.LINEAR, ForwardEmitters::linear);
        EMITTERS.put(OpKind.RESHAPE, ForwardEmitters::reshape);
    }

    private JvmOpEmitters() {
    }

    /** The emitter of {@code kind}, or empty when the JVM backend cannot run it. */
    public static java.util.Optional<JvmOpEmitter> forKind(OpKind kind) {
        return java.util.Optional.ofNullable(EMITTERS.get(kind));
    }
}
