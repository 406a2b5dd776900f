package gpt2j.tokenizer;

/** A vocabulary that cannot be loaded: the message is one line a user can act on. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
