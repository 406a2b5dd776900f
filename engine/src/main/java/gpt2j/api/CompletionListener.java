package gpt2j.api;

/** Sees each generated token as soon as it is chosen: streaming output, early stops. */
@FunctionalInterface
public interface CompletionListener {
    /**
     * Called once per generated token, on the thread that called {@link Model#complete}.
     *
     * @param id   the token id
     * @param text the text that became printable with this token: complete UTF-8 characters only, held back while it
     *             could still grow into a stop string, so possibly empty; always empty without a tokenizer
     * @return false to stop generating (the token stays in the result)
     */
    boolean onToken(int id, String text);

    /**
     * Called at most once, after the last token, with text that was held back and is now final: the end of a
     * character the last token left incomplete, or text that could have begun a stop string but did not. The pieces
     * of {@link #onToken} followed by this make up {@link Completion#text()}.
     */
    default void onFinish(String text) {}
}
