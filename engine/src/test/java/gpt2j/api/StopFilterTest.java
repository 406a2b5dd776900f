package gpt2j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopFilterTest {

    @Test
    void stopStringSplitOverChunksIsNeverPrinted() {
        StopFilter f = new StopFilter(List.of("\n\n", "END"));
        StringBuilder printed = new StringBuilder();
        for (String chunk : List.of("Hello", " E", "N", "ough. Then", "\n", "\nmore")) {
            printed.append(f.accept(chunk));
            if (f.stopped()) break;
        }
        assertTrue(f.stopped());
        assertEquals("Hello ENough. Then", printed.toString());
    }

    @Test
    void heldBackTextIsReleasedAtTheEnd() {
        StopFilter f = new StopFilter(List.of("STOP"));
        assertEquals("abc ", f.accept("abc ST"));
        assertEquals("", f.accept("O"));
        assertFalse(f.stopped());
        assertEquals("STO", f.finish());
    }

    @Test
    void earliestStopWins() {
        StopFilter f = new StopFilter(List.of("cd", "b"));
        assertEquals("a", f.accept("abcd"));
        assertTrue(f.stopped());
        assertEquals("", f.accept("more"));
    }
}
