package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Properties of the GPT-2 tokenizer on any text and any ids: decode(encode(s)) == s for well-formed text, and decode
 * never throws on ids in range. Without JAZZER_FUZZ this replays Gpt2TokenizerFuzzTestInputs/.
 */
class Gpt2TokenizerFuzzTest {

    private static final Gpt2Tokenizer TOKENIZER = Gpt2Tokenizer.gpt2();

    @FuzzTest(maxDuration = "10s")
    void roundTrip(FuzzedDataProvider data) {
        String s = data.consumeString(512); // bounded: a long text only repeats what short ones cover, slower
        // lone surrogates have no UTF-8 form, so no byte-level tokenizer can give them back
        if (!s.equals(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))) return;
        assertEquals(s, TOKENIZER.decode(TOKENIZER.encode(s)));
    }

    @FuzzTest(maxDuration = "10s")
    void decode(FuzzedDataProvider data) {
        int n = TOKENIZER.vocabSize();
        int[] ids = data.consumeInts(4096);
        for (int i = 0; i < ids.length; i++) ids[i] = Math.floorMod(ids[i], n);
        TOKENIZER.decode(ids);
        TOKENIZER.decodeBytes(ids);
    }
}
