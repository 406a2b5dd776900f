package gpt2j.weights.hub;

import gpt2j.weights.WeightsException;

/** A model could not be found or fetched; the message is one line a user can act on. */
public final class HubException extends WeightsException {

    private final boolean unreachable;

    HubException(String message) {
        this(message, false);
    }

    HubException(String message, boolean unreachable) {
        super(message);
        this.unreachable = unreachable;
    }

    /** The hub could not be reached at all (no answer), as opposed to an answer that said no. */
    public boolean unreachable() {
        return unreachable;
    }
}
