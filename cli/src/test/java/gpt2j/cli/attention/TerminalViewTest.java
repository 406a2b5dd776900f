package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TerminalViewTest {

    private static String render(boolean color, java.util.function.BiConsumer<TerminalView, PrintStream> view) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            view.accept(new TerminalView(Samples.data(), color), out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The heatmap's rows: the lines after the header line of digits. */
    private static List<String> heatmapRows(String text) {
        List<String> lines = text.lines().toList();
        int header = lines.indexOf(
                lines.stream().filter(s -> s.startsWith("heatmap")).findFirst().orElseThrow());
        return lines.subList(header + 2, header + 2 + Samples.TOKENS.size());
    }

    @Test
    void plainHeadShowsTopKeysAndAShadedLowerTriangleWithoutEscapes() {
        String text = render(false, (v, out) -> v.head(1, 0, out));
        assertFalse(text.contains("\u001b"), "no escape codes when stdout is not a terminal");
        assertTrue(text.startsWith("layer 1, head 0: previous-token head"), text);
        // " sat" (query 2) attends to " cat" (key 1) with all its weight.
        assertTrue(text.lines().anyMatch(s -> s.equals(" 2  \u2423sat          \u2423cat(1) 1.00")), text);
        List<String> rows = heatmapRows(text);
        for (int q = 0; q < rows.size(); q++) {
            String cells = rows.get(q).substring(13); // 12-column label and a space
            assertEquals(2 * (q + 1), cells.length(), "row " + q + " has its causal keys only: '" + cells + "'");
            int full = Math.max(0, q - 1);
            assertEquals("\u2588\u2588", cells.substring(2 * full, 2 * full + 2), "row " + q);
            assertEquals(
                    cells.length() - 2, cells.chars().filter(c -> c == '\u00b7').count(), "row " + q);
        }
    }

    @Test
    void colorHeatmapPaintsOneBackgroundPerCausalCell() {
        String text = render(true, (v, out) -> v.head(0, 1, out));
        List<String> rows = heatmapRows(text);
        Pattern cell = Pattern.compile("\u001b\\[48;5;(\\d+)m {2}");
        for (int q = 0; q < rows.size(); q++) {
            Matcher m = cell.matcher(rows.get(q));
            int n = 0;
            while (m.find()) {
                assertEquals(HeatColors.ansi256(1f / (q + 1)), Integer.parseInt(m.group(1)), "row " + q);
                n++;
            }
            assertEquals(q + 1, n, "row " + q);
            assertTrue(rows.get(q).endsWith("\u001b[0m"), "colour reset at the end of row " + q);
        }
    }

    @Test
    void summaryListsEveryHeadWithItsLabel() {
        String text = render(false, (v, out) -> v.summary(Samples.data().stats(), out));
        assertTrue(text.contains("\u2423cat"), text);
        List<String> rows = text.lines().filter(s -> s.matches(" +\\d +\\d .*")).toList();
        assertEquals(6, rows.size(), text);
        assertTrue(rows.get(0).matches(" +0 +0 +0\\.000 +1\\.000 .*previous-token head"), rows.get(0));
        assertTrue(
                rows.get(1).matches(" +0 +1 +1\\.500 .*0\\.100"),
                "unlabelled head ends with its numbers: " + rows.get(1));
        assertTrue(rows.get(5).endsWith("first-token head (attention sink)"), rows.get(5));
        // Samples' stats carry baselines 1.5 / 0.2 / 0.02: the summary states them and the label rule.
        assertTrue(
                text.contains("uniform baseline (a head spreading its weight evenly) on these 12 tokens: entropy"
                        + " 1.500, previous/first/same 0.200 each, induction 0.020"),
                text);
        assertTrue(
                text.contains("A label needs its share 0.25 above the baseline (and previous/first/self a prompt of"
                        + " 16+ tokens)."),
                text);
    }

    @Test
    void topKeysAreTheHeaviestAmongTheCausalOnes() {
        float[] row = {0.1f, 0.5f, 0.2f, 0.2f, 0.9f};
        assertEquals(
                List.of(1, 2, 3),
                java.util.Arrays.stream(TerminalView.top(row, 3, 3)).boxed().toList());
        assertEquals(
                List.of(0),
                java.util.Arrays.stream(TerminalView.top(row, 0, 3)).boxed().toList());
    }
}
