package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class AttentionJsonTest {

    @Test
    void writesTheDocumentedShapeWithExactWeights() throws Exception {
        AttentionData data = Samples.data();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AttentionJson.write(data, bytes);
        JsonNode root = new ObjectMapper().readTree(bytes.toByteArray());

        assertEquals(Samples.TOKENS.size(), root.get("tokens").size());
        assertEquals("\n", root.get("tokens").get(7).asText(), "token strings are raw, not display labels");
        assertEquals(2, root.get("layers").asInt());
        assertEquals(3, root.get("heads").asInt());
        JsonNode attention = root.get("attention");
        assertEquals(2, attention.size());
        for (int l = 0; l < 2; l++) {
            assertEquals(3, attention.get(l).size());
            for (int h = 0; h < 3; h++) {
                for (int q = 0; q < data.length(); q++) {
                    JsonNode row = attention.get(l).get(h).get(q);
                    assertEquals(data.length(), row.size());
                    for (int k = 0; k < data.length(); k++) {
                        assertEquals(
                                data.weights()[l][h][q][k],
                                row.get(k).floatValue(),
                                0f,
                                "[" + l + "][" + h + "][" + q + "][" + k + "]");
                    }
                }
            }
        }
        assertEquals(1f / 3, attention.get(0).get(1).get(2).get(0).floatValue(), 0f);

        JsonNode stats = root.get("heads_stats");
        assertEquals(6, stats.size());
        JsonNode first = stats.get(0);
        assertEquals(0, first.get("layer").asInt());
        assertEquals(0, first.get("head").asInt());
        assertEquals(1.0, first.get("previous_token").asDouble());
        assertEquals(0.02, first.get("induction").asDouble());
        assertEquals("previous-token", first.get("label").asText());
        assertTrue(stats.get(1).get("label").isNull(), "an unlabelled head has label null");
        assertEquals(1.5, stats.get(4).get("entropy").asDouble());
        assertEquals(0.3, stats.get(4).get("same_token").asDouble());
        assertEquals(1.0, stats.get(5).get("first_token").asDouble());
    }
}
