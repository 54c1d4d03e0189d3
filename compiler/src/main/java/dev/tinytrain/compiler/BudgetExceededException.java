package dev.tinytrain.compiler;

import dev.tinytrain.ir.IrException;

/** The compiled step does not fit the target; the message names the budget, the need and the largest parts. */
public class BudgetExceededException extends IrException {
    private static final long serialVersionUID = 1L;
    private final transient MemoryReport report;

    /** Creates the exception. */
    public BudgetExceededException(String message, MemoryReport report) {
        super(message);
        this.report = report;
    }

    /** The report of the plan that did not fit. */
    public MemoryReport report() {
        return report;
    }
}
