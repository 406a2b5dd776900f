package gpt2j.weights.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HubIdTest {

    @Test
    void theFormsTheIssueNames() {
        assertEquals(new HubId("openai-community/gpt2", "main", null), HubId.parse("openai-community/gpt2"));
        assertEquals(new HubId("gpt2", "main", null), HubId.parse("gpt2"));
        assertEquals(new HubId("distilgpt2", "main", null), HubId.parse("distilgpt2"));
        assertEquals(new HubId("org/name", "v1.0", null), HubId.parse("org/name@v1.0"));
        assertEquals(new HubId("org/name", "refs/pr/3", null), HubId.parse("org/name@refs/pr/3"));
        assertEquals(new HubId("org/gpt2-GGUF", "main", "Q4_K_M"), HubId.parse("org/gpt2-GGUF:q4_k_m"));
        assertEquals(new HubId("org/gpt2-GGUF", "dev", "Q8_0"), HubId.parse("org/gpt2-GGUF@dev:Q8_0"));
        String commit = "0123456789abcdef0123456789abcdef01234567";
        assertTrue(HubId.parse("org/name@" + commit).pinned());
        assertFalse(HubId.parse("org/name@main").pinned());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "./gpt2",
                "/tmp/model",
                "a/b/c",
                "model.gguf",
                "org/model.safetensors",
                "dir/",
                "org--x/name",
                "org/na..me",
                "-gpt2",
                "org/name@",
                "org/name:",
                "org/name@a..b",
                "",
                "C:\\models\\gpt2",
                "org/name:Q4 K"
            })
    void pathsAreNotIds(String text) {
        assertNull(HubId.parse(text), text);
    }
}
