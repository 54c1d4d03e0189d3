package dev.tinytrain.ir;

import java.util.List;
import java.util.Map;

/**
 * Checks the IR rules of a graph: unique names, SSA (each value defined once, before every use), the types
 * declared on node results equal the op's inference, parameters' data match their types, outputs defined.
 */
final class GraphVerifier {
    private GraphVerifier() {
    }

    static void verify(Graph g, Map<String, Value> values, Map<String, Node> producers,
                       Map<String, Parameter> params) {
        for (Value in : g.inputs()) {
            define(values, in, null, "graph input");
        }
        for (Parameter p : g.parameters()) {
            define(values, p.value(), null, "parameter");
            params.put(p.name(), p);
        }
        java.util.Set<String> nodeNames = new java.util.HashSet<>();
        for (Node n : g.nodes()) {
            if (!nodeNames.add(n.name())) {
                throw new IrVerificationException(n.name(), "unique-name", "node name is used twice");
            }
            for (Value in : n.inputs()) {
                Value known = values.get(in.name());
                if (known == null) {
                    throw new IrVerificationException(n.name(), "ssa", "operand %" + in.name()
                            + " is used before it is defined (or never defined)");
                }
                if (!known.equals(in)) {
                    throw new IrVerificationException(n.name(), "type", "operand %" + in.name() + " has type "
                            + in.type() + " here but is defined as " + known.type());
                }
            }
            List<TensorType> inferred = n.op().inferTypes(n.name(), n.inputs());
            if (inferred.size() != n.outputs().size()) {
                throw new IrVerificationException(n.name(), "arity", n.op().kind().irName() + " defines "
                        + inferred.size() + " results, node declares " + n.outputs().size());
            }
            for (int i = 0; i < inferred.size(); i++) {
                Value out = n.outputs().get(i);
                if (!out.type().equals(inferred.get(i))) {
                    throw new IrVerificationException(n.name(), "type", "result %" + out.name() + " is declared "
                            + out.type() + " but " + n.op().kind().irName() + " infers " + inferred.get(i));
                }
                define(values, out, n.name(), "result");
                producers.put(out.name(), n);
            }
        }
        for (Value out : g.outputs()) {
            if (!out.equals(values.get(out.name()))) {
                throw new IrVerificationException(null, "ssa", "graph output %" + out.name()
                        + " is not a value of the graph");
            }
        }
    }

    private static void define(Map<String, Value> values, Value v, String node, String what) {
        if (values.putIfAbsent(v.name(), v) != null) {
            throw new IrVerificationException(node, "ssa", what + " %" + v.name()
                    + " is defined twice (SSA values are defined once)");
        }
    }
}
