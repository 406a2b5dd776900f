package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
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

    @Test
    void textFileScoresTheSameAsItsTokenIds() throws Exception {
        Path model = TestVocabulary.copyWithVocabulary("f16", tmp.resolve("f16"));
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "abzb qc, ol\u00e9!\nabc");
        Cli ids = Cli.run("tokenize", "-m", model.toString(), "--json", Files.readString(text));
        Path idsFile = tmp.resolve("ids.json");
        Files.writeString(idsFile, ids.out());
        Cli fromText = Cli.run("perplexity", "-m", model.toString(), "-f", text.toString(), "--json", "-t", "1");
        Cli fromIds = Cli.run("perplexity", "-m", model.toString(), "--ids-file", idsFile.toString(), "--json", "-t", "1");
        assertEquals(0, fromText.code(), fromText.err());
        assertEquals(fromIds.out(), fromText.out());
        assertEquals(Fixtures.parse(ids.out()).size() - 1, Fixtures.parse(fromText.out()).get("tokens").asInt());
        Cli plain = Cli.run("perplexity", "-m", model.toString(), "-f", text.toString(), "-t", "1");
        assertTrue(plain.out().startsWith("perplexity "), plain.out());
    }
}
