package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GenerateCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"f32-hf", "f32-openai", "f32-lm-head", "f32-sharded"})
    void greedyJsonMatchesTheReferenceContinuation(String fixture) {
        JsonNode f = Fixtures.manifest(fixture);
        int[] prompt = Fixtures.ints(f.get("tokens"));
        int[] expected = Fixtures.ints(f.get("greedy").get("new_tokens"));
        Cli r = Cli.run(
                "generate",
                "-m",
                Fixtures.model(fixture).toString(),
                "--prompt-ids",
                Fixtures.idList(prompt),
                "-n",
                String.valueOf(expected.length),
                "--temperature",
                "0",
                "-t",
                "2",
                "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = Fixtures.parse(r.out());
        assertArrayEquals(prompt, Fixtures.ints(o.get("prompt_tokens")));
        assertArrayEquals(expected, Fixtures.ints(o.get("tokens")));
        assertTrue(o.get("text").isNull(), "fixtures have no tokenizer: " + o);
        assertEquals("max_tokens", o.get("stop_reason").asText());
        JsonNode t = o.get("timings");
        for (String k : new String[] {"load_ms", "prompt_ms", "prompt_tokens_per_s", "generated_tokens_per_s"}) {
            assertTrue(t.get(k).asDouble() >= 0, k + " in " + t);
        }
        assertEquals(1, r.err().lines().count(), "one stats line on stderr: " + r.err());
    }

    @Test
    void generationStopsWhenTheContextIsFull() {
        JsonNode f = Fixtures.manifest("f32-openai"); // n_positions 32, prompt 16
        Cli r = Cli.run(
                "generate",
                "-m",
                Fixtures.model("f32-openai").toString(),
                "--prompt-ids",
                Fixtures.idList(Fixtures.ints(f.get("tokens"))),
                "-n",
                "100",
                "--seed",
                "7",
                "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = Fixtures.parse(r.out());
        assertEquals(16, o.get("tokens").size());
        assertEquals("context_full", o.get("stop_reason").asText());
    }

    @Test
    void textOutputNeedsATokenizer() {
        Cli r = Cli.run("generate", "-m", Fixtures.model("f32-hf").toString(), "-p", "Hello");
        assertTrue(r.oneLineFailure().contains("no tokenizer"), r.err());
    }
}
