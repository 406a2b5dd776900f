package gpt2j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.stream.StreamSupport;

/** The engine's PyTorch/numpy reference fixtures (see engine/src/test/resources/fixtures/README.md). */
final class Fixtures {

    static final Path ROOT = Path.of("../engine/src/test/resources/fixtures");

    private Fixtures() {}

    static Path model(String name) {
        return ROOT.resolve(name).resolve("model");
    }

    static JsonNode manifest(String name) {
        try {
            return new ObjectMapper()
                    .readTree(ROOT.resolve(name).resolve("fixture.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .mapToInt(JsonNode::asInt)
                .toArray();
    }

    static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    static String idList(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(id);
        }
        return sb.toString();
    }
}
