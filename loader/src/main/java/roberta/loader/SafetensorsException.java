package roberta.loader;

/** A safetensors file (or checkpoint folder) that cannot be read; the message names file and tensor. */
public class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
