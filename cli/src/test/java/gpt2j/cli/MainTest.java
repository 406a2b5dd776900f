package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void helpListsTheCommands() {
        Cli r = Cli.run("--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Usage: gpt2j"), r.out());
        for (String c : new String[] {
            "generate", "perplexity", "tokenize", "detokenize", "info", "quantize", "bench", "attention"
        }) {
            assertTrue(r.out().contains("  " + c + " "), c + " missing from:\n" + r.out());
            assertEquals(0, Cli.run(c, "--help").code(), c);
        }
    }

    @Test
    void noSubcommandIsAUsageError() {
        Cli r = Cli.run();
        assertEquals(2, r.code());
        assertEquals("gpt2j: missing subcommand", r.failureLine());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Cli r = Cli.run("--frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.failureLine().contains("--frobnicate"), r.err());
    }
}
