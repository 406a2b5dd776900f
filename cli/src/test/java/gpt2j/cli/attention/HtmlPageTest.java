package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.api.HeadLabel;
import gpt2j.api.HeadStat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlPageTest {

    private static JsonNode data(String html) throws Exception {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"data\">(.*?)</script>", Pattern.DOTALL)
                .matcher(html);
        assertTrue(m.find());
        return new ObjectMapper().readTree(m.group(1));
    }

    @Test
    void pageIsSelfContained() {
        String html = HtmlPage.render(Samples.data(), "The cat");
        assertFalse(Pattern.compile("(?i)\\b(src|href)\\s*=").matcher(html).find(), "no external resources");
        assertFalse(html.contains("@import") || html.contains("url("), "no CSS fetches");
        String addresses = html.replace("http://www.w3.org/2000/svg", ""); // SVG's namespace name, never fetched
        assertFalse(addresses.contains("http://") || addresses.contains("https://"), "no network addresses");
        assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    }

    /** The old page replaced %TITLE% and then %DATA% in the result, so a prompt with "%DATA%" got the data pasted in. */
    @Test
    void aPromptWithThePlaceholdersStaysTextInTheTitle() throws Exception {
        String html = HtmlPage.render(Samples.data(), "say %DATA% and %TITLE%");
        assertTrue(html.contains("<title>gpt2j attention: say %DATA% and %TITLE%</title>"), html.substring(0, 600));
        assertEquals(1, count(html, "<script type=\"application/json\" id=\"data\">"));
        assertEquals(Samples.TOKENS.size(), data(html).get("tokens").size());
    }

    @Test
    void denseDataHoldsTheLowerTriangleOnlyAndTokensCannotCloseTheScript() throws Exception {
        float[][][][] w = {{{{1, 0, 0}, {0.25f, 0.75f, 0}, {0.123456f, 0.5f, 0.376544f}}}};
        List<HeadStat> stats =
                List.of(new HeadStat(0, 0, 0.5, 0.6, 0.4, 0.3, 0.2, HeadLabel.PREVIOUS_TOKEN, 1.5, 0.2, 0.02));
        AttentionData data = new AttentionData(List.of("</script>", "<b>&", " x"), w, stats);
        String html = HtmlPage.render(data, "</script><script>alert(1)</script>");
        assertEquals(3, count(html, "</script>"), "only the page's own three scripts end");
        assertTrue(html.contains("<title>gpt2j attention: &lt;/script&gt;&lt;script&gt;"));
        JsonNode d = data(html);
        assertEquals("</script>", d.get("tokens").get(0).asText());
        assertEquals("\u2423x", d.get("tokens").get(2).asText());
        assertEquals("weights", d.get("kind").asText(), "no scores captured: the weights themselves");
        ByteBuffer b = ByteBuffer.wrap(
                        Base64.getDecoder().decode(d.get("data").get(0).asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(6 * 4, b.capacity(), "1 + 2 + 3 numbers: the masked keys are not sent");
        float[] want = {1, 0.25f, 0.75f, 0.123456f, 0.5f, 0.376544f};
        for (float x : want) assertEquals(x, b.getFloat(), 0f);
        assertEquals("previous-token head", d.get("stats").get(0).get("name").asText());
        assertEquals(0.2, d.get("stats").get(0).get("u_share").asDouble(), 0);
    }

    /** Sparse rows: log-sum-exp, then the keys of weight >= SPARSE_MIN (at most SPARSE_KEYS, the heaviest) as 16 bits. */
    @Test
    void sparseRowsKeepTheHeavyKeysAndTheLogSumExp() {
        int t = 40;
        float[][][][] w = new float[1][1][t][t], s = new float[1][1][t][t];
        for (int q = 0; q < t; q++) {
            double[] x = new double[q + 1];
            double sum = 0;
            for (int k = 0; k <= q; k++) sum += Math.exp(x[k] = (k % 3 == 0 ? 2.0 : 0.0) + 0.01 * k);
            for (int k = 0; k <= q; k++) {
                w[0][0][q][k] = (float) (Math.exp(x[k]) / sum);
                s[0][0][q][k] = (float) (x[k] / 0.5);
            }
        }
        List<HeadStat> stats = List.of(new HeadStat(0, 0, 0, 0, 0, 0, 0, HeadLabel.OTHER, 0, 0, 0));
        List<String> tokens = java.util.Collections.nCopies(t, "a");
        AttentionData data = new AttentionData(tokens, w, stats, s, new float[] {0.5f}, 4, List.of());
        ByteBuffer b = ByteBuffer.wrap(HtmlPage.sparseHead(data, 0, 0)).order(ByteOrder.LITTLE_ENDIAN);
        for (int q = 0; q < t; q++) {
            double sum = 0;
            for (int k = 0; k <= q; k++) sum += Math.exp(s[0][0][q][k] * 0.5);
            assertEquals(Math.log(sum), b.getFloat(), 1e-5, "lse of row " + q);
            int n = b.getShort();
            int above = 0;
            for (int k = 0; k <= q; k++) if (w[0][0][q][k] >= HtmlPage.SPARSE_MIN) above++;
            assertEquals(Math.min(above, HtmlPage.SPARSE_KEYS), n, "row " + q);
            int last = -1;
            boolean[] kept = new boolean[q + 1];
            for (int i = 0; i < n; i++) {
                int k = b.getShort();
                double weight = (b.getShort() & 0xffff) / 65535.0;
                assertTrue(k > last && k <= q, "keys ascending in the row");
                last = k;
                assertEquals(w[0][0][q][k], weight, 0.5 / 65535 + 1e-7);
                // Recovering the score from the weight, as the page does.
                assertEquals(s[0][0][q][k] * 0.5, Math.log(weight) + Math.log(sum), 1e-3);
                kept[k] = true;
            }
            double lightestKept = 1, heaviestDropped = 0;
            for (int k = 0; k <= q; k++) {
                if (kept[k]) lightestKept = Math.min(lightestKept, w[0][0][q][k]);
                else heaviestDropped = Math.max(heaviestDropped, w[0][0][q][k]);
            }
            assertTrue(lightestKept >= heaviestDropped, "the heaviest keys are the ones kept, row " + q);
        }
        assertEquals(0, b.remaining());
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
        return n;
    }
}
