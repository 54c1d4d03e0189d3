package dev.tinytrain.compiler;

import dev.tinytrain.ir.IrException;

/**
 * The step cannot fit the target by a cheap bound checked before any pass runs (one activation alone is larger
 * than the SRAM budget), so there is no memory report; {@link BudgetExceededException} is the same verdict after
 * planning, with the report.
 */
public class PlanTooLargeException extends IrException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public PlanTooLargeException(String message) {
        super(message);
    }
}
