package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Replacement decoding against Python's bytes.decode("utf-8", errors="replace") (fixture from make_utf8_replace.py). */
class Utf8Test {
    @Test
    void matchesPythonOnFixture() throws IOException {
        Gpt2Tokenizer t = Gpt2Tokenizer.gpt2();
        int[] byteIds = RoundTripTest.byteTokenIds(t);
        int cases = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                Utf8Test.class.getResourceAsStream("utf8_replace.tsv"), StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; cases++) {
                String[] cols = line.split("\t");
                StringBuilder expected = new StringBuilder();
                for (String cp : cols[1].split(" ")) {
                    expected.appendCodePoint(Integer.parseInt(cp, 16));
                }
                byte[] bytes = HexFormat.of().parseHex(cols[0]);
                assertEquals(expected.toString(), Utf8.decode(bytes, 0, bytes.length), cols[0]);
                int[] ids = RoundTripTest.idsOfBytes(byteIds, cols[0]);
                assertEquals(expected.toString(), t.decode(ids), cols[0]);
                StreamingDecoder d = t.newStreamingDecoder();
                StringBuilder streamed = new StringBuilder();
                for (int id : ids) {
                    streamed.append(d.push(id));
                }
                assertEquals(expected.toString(), streamed.append(d.flush()).toString(), "streamed " + cols[0]);
            }
        }
        assertEquals(3000, cases);
    }
}
