package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** info on a file llama-quantize wrote: its tensor types and bits per weight as gguf-py counts them. */
class InfoCommandTest {

    static final Path DIR = Path.of("../engine/src/test/resources/llama-quant");

    @Test
    void listsTheTypesOfAMixedFileAndItsBitsPerWeight() throws IOException {
        JsonNode ref = new ObjectMapper()
                .readTree(DIR.resolve("reference.json").toFile())
                .get("files")
                .get("m256-mixed.gguf");
        Cli r = Cli.run("info", "--json", "-m", DIR.resolve("m256-mixed.gguf").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode o = Fixtures.parse(r.out());
        assertEquals(ref.get("types"), o.get("tensor_types"));
        assertEquals(
                ref.get("bits_per_weight").asDouble(), o.get("bits_per_weight").asDouble(), 1e-9);

        Cli text = Cli.run("info", "-m", DIR.resolve("m256-mixed.gguf").toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("Q6_K x1"), text.out());
        assertTrue(
                text.out()
                        .contains(String.format(
                                "bits per weight: %.2f",
                                ref.get("bits_per_weight").asDouble())),
                text.out());
    }
}
