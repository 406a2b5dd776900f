package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PerplexityCommandTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"f32-hf", "f32-openai", "f16"})
    void jsonMatchesTheReferenceNll(String fixture) throws Exception {
        JsonNode f = Fixtures.manifest(fixture);
        Path ids = tmp.resolve("ids.json");
        Files.writeString(ids, f.get("tokens").toString());
        Cli r = Cli.run("perplexity", "-m", Fixtures.model(fixture).toString(), "--ids-file", ids.toString(), "--json", "-t", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode o = Fixtures.parse(r.out());
        JsonNode nll = f.get("nll");
        assertEquals(nll.get("scored").asInt(), o.get("tokens").asInt());
        assertEquals(nll.get("mean").asDouble(), o.get("nll").asDouble(), 1e-4);
        assertEquals(nll.get("perplexity").asDouble(), o.get("perplexity").asDouble(), 1e-4 * nll.get("perplexity").asDouble());
    }
}
