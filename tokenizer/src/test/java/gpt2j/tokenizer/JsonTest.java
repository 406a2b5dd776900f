package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesValues() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", List.of(1L, -2L, 3.5, 1e3));
        expected.put("s", "q\"\\/\b\f\n\r\tÄĠ😀");
        expected.put("t", true);
        expected.put("f", false);
        expected.put("n", null);
        expected.put("o", Map.of());
        assertEquals(
                expected,
                Json.parse(
                        " {\"a\": [1, -2, 3.5, 1E3], \"s\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00c4\\u0120\\ud83d\\ude00\", \"t\": true,"
                                + " \"f\": false, \"n\": null, \"o\": {}}\n"));
        assertEquals(List.of(), Json.parse("[]"));
    }

    @Test
    void rejectsMalformedInput() {
        for (String bad : Arrays.asList(
                "", "{", "[1,]", "{\"a\" 1}", "\"abc", "tru", "{\"a\":1} x", "\"\\x\"", "[1 2]", "\"a\nb\"")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }
}
