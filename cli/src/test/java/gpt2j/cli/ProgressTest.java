package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void onATerminalOneBarRedrawnInPlace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Progress p = new Progress(err, true, "quantize", 4, false);
        for (int i = 1; i <= 4; i++) {
            p.update(i, "tensors");
        }
        p.finish();
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), s); // \r redraws, one newline at the end
        assertTrue(s.endsWith("[==============================] 100% 4/4 tensors\n"), s);
        assertTrue(s.startsWith("\rgpt2j: quantize ["), s);
    }

    @Test
    void elsewhereALineAtEachTenthOrNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, "perplexity", 1000, true);
        for (int i = 1; i <= 1000; i++) {
            p.update(i, "");
        }
        assertEquals(10, bytes.toString(StandardCharsets.UTF_8).lines().count());
        ByteArrayOutputStream none = new ByteArrayOutputStream();
        Progress quiet = new Progress(new PrintStream(none, true, StandardCharsets.UTF_8), false, "quantize", 10, false);
        for (int i = 1; i <= 10; i++) {
            quiet.update(i, "");
        }
        quiet.finish();
        assertEquals(0, none.size());
    }
}
