package gpt2j.engine;

/** Sees each generated token as soon as it is chosen (streaming, stop strings). */
@FunctionalInterface
public interface TokenListener {
    /** Returns false to stop generating; the token just seen stays in the result. */
    boolean onToken(int id);
}
