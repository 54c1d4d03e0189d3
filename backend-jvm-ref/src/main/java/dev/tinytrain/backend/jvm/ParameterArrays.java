package dev.tinytrain.backend.jvm;

import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The runtime arrays that hold parameters (outside the arena): int8 weights as {@code byte[]}, float32 head
 * parameters as {@code float[]}, and int32 conv biases as the {@code float[]} of their float32 values, which is
 * what the requantization adds ({@code ../models/FORMAT.md} §3.2 step 4).
 */
public final class ParameterArrays {
    private final Map<String, Object> arrays = new LinkedHashMap<>();
    private final Map<String, int[]> int32 = new LinkedHashMap<>();
    private final Map<String, float[]> masters = new LinkedHashMap<>();

    /** Creates fresh arrays from the graph's parameter data. */
    public ParameterArrays(Graph g) {
        for (Parameter p : g.parameters()) {
            arrays.put(p.name(), toArray(p));
            if (p.value().type().dtype() == DType.INT32) {
                int32.put(p.name(), p.data().toInt32());
            }
        }
    }

    /** The int32 storage of an int32 parameter (a conv bias); its float32 view is {@link #get}. */
    public int[] int32(String name) {
        int[] a = int32.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no int32 parameter named '" + name + "'");
        }
        return a;
    }

    /**
     * The float32 master copy of an int8 or int32 parameter (FLOAT_MASTER training), created from the current
     * values on first use.
     */
    public float[] master(String name) {
        return masters.computeIfAbsent(name, n -> {
            Object a = get(n);
            if (a instanceof byte[] b) {
                float[] m = new float[b.length];
                for (int i = 0; i < m.length; i++) {
                    m[i] = b[i];
                }
                return m;
            }
            return ((float[]) a).clone();
        });
    }

    /** True when a master copy of {@code name} exists. */
    public boolean hasMaster(String name) {
        return masters.containsKey(name);
    }

    private static Object toArray(Parameter p) {
        DType t = p.value().type().dtype();
        return switch (t) {
            case INT8 -> p.data().toInt8();
            case FLOAT32 -> p.data().toFloat32();
            case INT32 -> {
                int[] v = p.data().toInt32();
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = (float) v[i];
                }
                yield f;
            }
            case BIT -> throw new IllegalArgumentException("bit parameters are not supported: " + p.name());
        };
    }

    /** The array of parameter {@code name}. */
    public Object get(String name) {
        Object a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return a;
    }
}
