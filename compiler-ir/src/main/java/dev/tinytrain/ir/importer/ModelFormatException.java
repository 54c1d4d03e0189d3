package dev.tinytrain.ir.importer;

import dev.tinytrain.ir.IrException;
import java.nio.file.Path;

/**
 * A model folder that does not follow {@code tinytrain-mcu-model/1}: a missing or mistyped key, an array
 * reference outside {@code weights.bin}, a wrong sha256 or size, inconsistent shapes, invalid quantization.
 * The message names the file and the JSON path of the field at fault.
 */
public class ModelFormatException extends IrException {
    private static final long serialVersionUID = 1L;
    private final String field;

    /**
     * Creates the exception.
     *
     * @param file the file at fault
     * @param field the JSON path of the field at fault (e.g. {@code blocks[3].depthwise.params.x_scale}), or null
     * @param message what is wrong
     */
    public ModelFormatException(Path file, String field, String message) {
        super(file + (field == null ? "" : ": " + field) + ": " + message);
        this.field = field;
    }

    /** The JSON path of the field at fault, or null. */
    public String field() {
        return field;
    }
}
