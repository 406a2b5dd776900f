package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import gpt2j.tokenizer.TokenizerException;
import gpt2j.weights.WeightsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class ErrorsTest {

    @Test
    void expectedFailuresShowTheirMessageOnly() {
        assertEquals("bad header", Errors.message(new WeightsException("bad header")));
        assertEquals("bad vocab", Errors.message(new TokenizerException("bad vocab")));
        assertEquals("no such file: /x/y", Errors.message(new UncheckedIOException(new NoSuchFileException("/x/y"))));
        assertEquals("disk on fire", Errors.message(new IOException("disk on fire")));
        assertEquals("two lines", Errors.message(new IllegalArgumentException("two\n  lines")));
    }

    @Test
    void unexpectedFailuresNameTheirClass() {
        assertEquals(
                "unexpected error: java.lang.NullPointerException: x is null (set GPT2J_DEBUG=1 for details)",
                Errors.message(new NullPointerException("x is null")));
        assertEquals(
                "unexpected error: java.lang.IllegalStateException (set GPT2J_DEBUG=1 for details)",
                Errors.message(new IllegalStateException()));
    }
}
