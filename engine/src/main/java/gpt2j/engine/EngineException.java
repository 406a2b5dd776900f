package gpt2j.engine;

/**
 * A request the engine cannot serve (too many tokens for the context, an id outside the vocabulary): one line a user
 * can act on. An {@link IllegalArgumentException}, which is what the public API documents for bad requests.
 */
public class EngineException extends IllegalArgumentException {
    public EngineException(String message) {
        super(message);
    }
}
