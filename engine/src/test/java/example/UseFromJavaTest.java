package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.api.Completion;
import gpt2j.api.CompletionOptions;
import gpt2j.api.Model;
import gpt2j.api.Scores;
import gpt2j.api.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's "Use from Java" code, compiled and run: it lives outside gpt2j's packages and imports only gpt2j.api.
 * Checked against the embedded model's float64 reference (tools/eval_default_model.py, cli/model/reference.json).
 */
class UseFromJavaTest {

    static final Path MODEL = Path.of("../cli/model/default.gguf");

    @Test
    void readmeExample() throws Exception {
        // README begin
        try (Model model = Model.open(MODEL)) {
            StringBuilder streamed = new StringBuilder();
            // Greedy decoding, streamed: the listener sees each token's text as it is chosen.
            CompletionOptions greedy =
                    CompletionOptions.greedy().toBuilder().maxTokens(24).build();
            Completion c = model.complete("And it came to pass", greedy, (id, text) -> {
                streamed.append(text);
                return true; // false stops generating
            });

            // Sampling: seeded, filtered, cut at a stop string.
            CompletionOptions sampled = CompletionOptions.builder()
                    .temperature(0.8f)
                    .topK(40)
                    .topP(0.95f)
                    .seed(42)
                    .maxTokens(32)
                    .stop("\n")
                    .build();
            String text = model.complete("In the beginning", sampled).text();

            // Per-token log-probabilities and perplexity.
            Scores s = model.score("And God said, Let there be light: and there was light.");

            // A session keeps its own KV cache; several can run side by side.
            Session session = model.newSession();
            session.append(model.tokenize("And the LORD"));
            int next = session.argmax();
            // README end
            JsonNode reference = new ObjectMapper()
                    .readTree(Path.of("../cli/model/reference.json").toFile());
            JsonNode expected = reference.get("greedy").get(0);
            int[] tokens = new int[expected.get("tokens").size()];
            for (int i = 0; i < tokens.length; i++)
                tokens[i] = expected.get("tokens").get(i).asInt();
            assertEquals("And it came to pass", expected.get("prompt").asText());
            assertEquals(java.util.Arrays.toString(tokens), java.util.Arrays.toString(c.tokens()));
            assertEquals(expected.get("text").asText(), c.text());
            assertEquals(c.text(), streamed.toString());
            assertTrue(!text.contains("\n") && !text.isEmpty(), text);
            assertEquals(
                    model.tokenize("And God said, Let there be light: and there was light.").length - 1,
                    s.scored().size());
            assertTrue(s.perplexity() > 1 && s.perplexity() < 1000, "perplexity " + s.perplexity());
            assertTrue(next >= 0 && next < model.vocabSize());
        }
    }

    @Test
    void readmeShowsThisCode() throws Exception {
        String source = Files.readString(Path.of("src/test/java/example/UseFromJavaTest.java"));
        String region = source.substring(
                source.indexOf("// README begin\n") + "// README begin\n".length(),
                source.indexOf("            // README end"));
        String readme = Files.readString(Path.of("../README.md"));
        String section = readme.substring(readme.indexOf("## Use from Java"));
        String block =
                section.substring(section.indexOf("```java\n") + "```java\n".length(), section.indexOf("\n```\n"));
        assertEquals(normalize(region + "}"), normalize(block.substring(block.indexOf("try ("))));
    }

    private static String normalize(String code) {
        return code.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .reduce("", (a, b) -> a + b + "\n")
                .strip();
    }
}
