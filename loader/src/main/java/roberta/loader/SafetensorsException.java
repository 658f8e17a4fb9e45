package roberta.loader;

import roberta.tokenizer.ModelFiles;
/**
 * A safetensors file (or checkpoint folder) that cannot be read; the message names file and
 * tensor, on one line (control characters from names in the input are escaped).
 */
public class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(ModelFiles.oneLine(message));
    }

    public SafetensorsException(String message, Throwable cause) {
        super(ModelFiles.oneLine(message), cause);
    }
}
