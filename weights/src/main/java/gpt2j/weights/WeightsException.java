package gpt2j.weights;

/** A checkpoint that cannot be read: the message is one line a user can act on. */
public class WeightsException extends RuntimeException {
    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
