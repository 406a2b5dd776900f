package gpt2j.cli.attention;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import gpt2j.api.HeadStat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * One self-contained HTML page (template: resource page.html), drawn in the browser from compact data: the token
 * view (a token's lines to what it attends to, one colour per head), the grid of every layer x head, a head enlarged,
 * and one query's steps from scores to weights. No network: a Content-Security-Policy forbids every fetch.
 *
 * <p>Each head travels as one base64 string of little-endian numbers, only the lower triangle (masked keys are not
 * sent). Up to {@link #DENSE_LIMIT} numbers in all, the page is exact: the raw scores q·k as float32, from which the
 * browser computes the scaled scores, the mask and the softmax in double (or the weights, for data without scores).
 * Beyond that it is sparse: per query row the log-sum-exp of its scaled scores (float32), the number of kept keys
 * (uint16), then each kept key (uint16) with its weight (uint16, w x 65535); a key is kept when its weight is at least
 * {@link #SPARSE_MIN} (at most {@link #SPARSE_KEYS} per row, the heaviest). The browser recovers a kept key's scaled
 * score as ln(w) + log-sum-exp, since softmax(s)_k = exp(s_k - lse). Script errors go into {@code #errors}.
 */
public final class HtmlPage {

    /** Lower-triangle numbers over all heads up to which the page carries every score (4 MiB of float32). */
    public static final long DENSE_LIMIT = 1L << 20;

    public static final double SPARSE_MIN = 0.01;
    public static final int SPARSE_KEYS = 12;
    private static final String TEMPLATE = template();

    private HtmlPage() {}

    public static String render(AttentionData data, String prompt) {
        StringBuilder sb = new StringBuilder();
        try {
            write(data, prompt, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /** Streams the page (tens of MB for long prompts on large models) without building it as one string. */
    public static void write(AttentionData data, String prompt, OutputStream out) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        write(data, prompt, w);
        w.flush();
    }

    /**
     * The template's placeholders are found in the template once and filled in one pass, so a prompt containing
     * "%DATA%" stays text in the title.
     */
    private static void write(AttentionData data, String prompt, Appendable out) throws IOException {
        int title = TEMPLATE.indexOf("%TITLE%"), json = TEMPLATE.indexOf("%DATA%");
        out.append(TEMPLATE, 0, title);
        out.append(escapeHtml("gpt2j attention: " + TokenText.shorten(prompt, 80)));
        out.append(TEMPLATE, title + "%TITLE%".length(), json);
        Writer w = out instanceof Writer writer ? writer : new AppendableWriter(out);
        json(data, w);
        w.flush();
        out.append(TEMPLATE, json + "%DATA%".length(), TEMPLATE.length());
    }

    static boolean dense(AttentionData data) {
        long t = data.length();
        return (long) data.layers() * data.heads() * t * (t + 1) / 2 <= DENSE_LIMIT;
    }

    /** The page's data. Inside {@code <script>}, '<' only occurs in strings, where \u003c is the same character. */
    static void json(AttentionData data, Writer out) throws IOException {
        JsonFactory factory = new JsonFactory();
        factory.setCharacterEscapes(new com.fasterxml.jackson.core.io.CharacterEscapes() {
            private final int[] escapes;

            {
                escapes = standardAsciiEscapesForJSON();
                escapes['<'] = ESCAPE_STANDARD;
            }

            @Override
            public int[] getEscapeCodesForAscii() {
                return escapes;
            }

            @Override
            public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
                return null;
            }
        });
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            boolean dense = dense(data);
            g.writeStartObject();
            g.writeArrayFieldStart("tokens");
            for (int i = 0; i < data.length(); i++) g.writeString(data.label(i));
            g.writeEndArray();
            g.writeNumberField("layers", data.layers());
            g.writeNumberField("heads", data.heads());
            g.writeArrayFieldStart("stops");
            for (int c : HeatColors.STOPS) g.writeNumber(c);
            g.writeEndArray();
            g.writeStringField("kind", dense ? (data.hasScores() ? "scores" : "weights") : "sparse");
            g.writeNumberField("sparse_min", SPARSE_MIN);
            g.writeNumberField("sparse_keys", SPARSE_KEYS);
            if (data.hasScores()) {
                g.writeArrayFieldStart("scales");
                for (float s : data.scales()) g.writeNumber(s);
                g.writeEndArray();
            }
            g.writeNumberField("head_size", data.headSize());
            g.writeNumberField("margin", HeadStat.LABEL_MARGIN);
            g.writeNumberField("min_tokens", HeadStat.LABEL_MIN_TOKENS);
            g.writeArrayFieldStart("data");
            for (int l = 0; l < data.layers(); l++) {
                for (int h = 0; h < data.heads(); h++) {
                    g.writeString(
                            Base64.getEncoder().encodeToString(dense ? denseHead(data, l, h) : sparseHead(data, l, h)));
                }
            }
            g.writeEndArray();
            g.writeArrayFieldStart("stats");
            for (HeadStat s : data.stats()) {
                g.writeStartObject();
                g.writeNumberField("entropy", round4(s.entropy()));
                g.writeNumberField("previous", round4(s.previousToken()));
                g.writeNumberField("first", round4(s.firstToken()));
                g.writeNumberField("same", round4(s.sameToken()));
                g.writeNumberField("induction", round4(s.induction()));
                g.writeNumberField("u_entropy", round4(s.uniformEntropy()));
                g.writeNumberField("u_share", round4(s.uniformShare()));
                g.writeNumberField("u_induction", round4(s.uniformInduction()));
                g.writeStringField("label", HeadLabels.key(s));
                g.writeStringField("name", HeadLabels.name(s));
                g.writeStringField("explain", HeadLabels.explain(s));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("next");
            for (List<AttentionData.Candidate> position : data.next()) {
                g.writeStartArray();
                for (AttentionData.Candidate c : position) {
                    g.writeStartArray();
                    g.writeString(TokenText.visible(c.token()));
                    g.writeNumber(round4(c.probability()));
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    /** The lower triangle, row by row: raw scores if captured, else weights; float32 little-endian. */
    static byte[] denseHead(AttentionData data, int layer, int head) {
        int t = data.length();
        float[][] rows = data.hasScores() ? data.scores()[layer][head] : data.weights()[layer][head];
        ByteBuffer b = ByteBuffer.allocate(t * (t + 1) / 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int q = 0; q < t; q++) {
            for (int k = 0; k <= q; k++) b.putFloat(rows[q][k]);
        }
        return b.array();
    }

    /** Per row: lse (float32; NaN without scores), n (uint16), n x (key uint16, weight uint16). */
    static byte[] sparseHead(AttentionData data, int layer, int head) {
        int t = data.length();
        float[][] w = data.weights()[layer][head];
        float[][] s = data.hasScores() ? data.scores()[layer][head] : null;
        double scale = data.hasScores() ? data.scales()[layer] : Double.NaN;
        ByteBuffer b = ByteBuffer.allocate(t * (6 + 4 * SPARSE_KEYS)).order(ByteOrder.LITTLE_ENDIAN);
        int[] keep = new int[SPARSE_KEYS];
        for (int q = 0; q < t; q++) {
            float lse = Float.NaN;
            if (s != null) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int k = 0; k <= q; k++) max = Math.max(max, s[q][k] * scale);
                for (int k = 0; k <= q; k++) sum += Math.exp(s[q][k] * scale - max);
                lse = (float) (max + Math.log(sum));
            }
            int n = 0;
            // The heaviest keys at or above SPARSE_MIN, kept in key order.
            for (int k = 0; k <= q; k++) {
                if (w[q][k] < SPARSE_MIN) continue;
                if (n < SPARSE_KEYS) {
                    keep[n++] = k;
                } else {
                    int lightest = 0;
                    for (int i = 1; i < n; i++) if (w[q][keep[i]] < w[q][keep[lightest]]) lightest = i;
                    if (w[q][k] > w[q][keep[lightest]]) {
                        System.arraycopy(keep, lightest + 1, keep, lightest, n - 1 - lightest);
                        keep[n - 1] = k;
                    }
                }
            }
            b.putFloat(lse).putShort((short) n);
            for (int i = 0; i < n; i++) {
                b.putShort((short) keep[i]).putShort((short) Math.round(Math.min(1f, w[q][keep[i]]) * 65535f));
            }
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    /** Four decimals are enough to read and keep the page small. */
    private static BigDecimal round4(double v) {
        return Double.isFinite(v)
                ? BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros()
                : BigDecimal.ZERO;
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String template() {
        try (InputStream in = HtmlPage.class.getResourceAsStream("page.html")) {
            if (in == null) throw new IllegalStateException("page.html is missing from the jar");
            String t = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (t.indexOf("%TITLE%") < 0 || t.indexOf("%DATA%") < t.indexOf("%TITLE%")) {
                throw new IllegalStateException("page.html needs %TITLE% before %DATA%");
            }
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Writer over an Appendable, for rendering into a StringBuilder. */
    private static final class AppendableWriter extends Writer {
        private final Appendable out;

        AppendableWriter(Appendable out) {
            this.out = out;
        }

        @Override
        public void write(char[] c, int off, int len) throws IOException {
            out.append(java.nio.CharBuffer.wrap(c, off, len));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
