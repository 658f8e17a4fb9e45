package roberta.tokenizer;

/**
 * A tokenizer file that cannot be used; the message names the file and what is wrong, on one
 * line (control characters from tokens in the input are escaped).
 */
public class TokenizerFormatException extends RuntimeException {
    public TokenizerFormatException(String message) {
        super(ModelFiles.oneLine(message));
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(ModelFiles.oneLine(message), cause);
    }
}
