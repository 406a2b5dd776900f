package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.engine.HeadStat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlPageTest {

    @Test
    void pageIsSelfContained() {
        String html = HtmlPage.render(Samples.data(), "The cat");
        assertFalse(Pattern.compile("(?i)\\b(src|href)\\s*=").matcher(html).find(), "no external resources");
        assertFalse(html.contains("@import") || html.contains("url("), "no CSS fetches");
        assertFalse(html.contains("http://") || html.contains("https://"), "no network addresses");
        assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    }

    @Test
    void dataHoldsTheLowerTriangleOnlyAndTokensCannotCloseTheScript() throws Exception {
        float[][][][] w = {{{{1, 0, 0}, {0.25f, 0.75f, 0}, {0.123456f, 0.5f, 0.376544f}}}};
        List<HeadStat> stats = List.of(new HeadStat(0, 0, 0.5, 0.6, 0.4, 0.3, 0.2, "previous-token", 1.5, 0.2, 0.02));
        AttentionData data = new AttentionData(List.of("</script>", "<b>&", " x"), w, stats);
        String html = HtmlPage.render(data, "</script><script>alert(1)</script>");
        assertEquals(3, count(html, "</script>"), "only the page's own three scripts end");
        assertTrue(html.contains("<title>gpt2j attention: &lt;/script&gt;&lt;script&gt;"));

        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"data\">(.*?)</script>", Pattern.DOTALL)
                .matcher(html);
        assertTrue(m.find());
        JsonNode d = new ObjectMapper().readTree(m.group(1));
        assertEquals("</script>", d.get("tokens").get(0).asText());
        assertEquals("\u2423x", d.get("tokens").get(2).asText());
        JsonNode head = d.get("attention").get(0).get(0);
        assertEquals(1, head.get(0).size());
        assertEquals(2, head.get(1).size());
        assertEquals(3, head.get(2).size());
        assertEquals(0.1235, head.get(2).get(0).asDouble(), 0.0);
        assertEquals("previous-token head", d.get("stats").get(0).get("name").asText());
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
        return n;
    }
}
