package gpt2j.engine;

/** A request the engine cannot serve (too many tokens for the context, an id outside the vocabulary): one line a user can act on. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }
}
