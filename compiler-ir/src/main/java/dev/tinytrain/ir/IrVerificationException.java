package dev.tinytrain.ir;

/**
 * A graph that breaks an IR rule: shape or dtype mismatch, use before definition, a cycle, a duplicate name,
 * parameter data that does not match its type. The message names the op (node) and value at fault and the rule.
 */
public class IrVerificationException extends IrException {
    private static final long serialVersionUID = 1L;
    private final String node;
    private final String rule;

    /**
     * Creates the exception.
     *
     * @param node the node (op instance) at fault, or null for graph-level rules
     * @param rule a short rule identifier such as {@code shape}, {@code dtype}, {@code ssa}, {@code cycle}
     * @param message what is wrong, naming the values involved
     */
    public IrVerificationException(String node, String rule, String message) {
        super((node == null ? "" : "op '" + node + "': ") + message + " [rule: " + rule + "]");
        this.node = node;
        this.rule = rule;
    }

    /** The node at fault, or null. */
    public String node() {
        return node;
    }

    /** The rule that was broken. */
    public String rule() {
        return rule;
    }
}
