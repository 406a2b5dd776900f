package gpt2j.cli.attention;

import gpt2j.api.HeadStat;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The terminal views. One head: each token with the earlier tokens it attends to most, then a heatmap (rows are
 * queries, columns keys). Several heads: a table of their statistics. Colour (256-colour ANSI backgrounds) only when
 * the caller says stdout is a terminal; otherwise Unicode shade blocks and no escape codes.
 */
public final class TerminalView {

    static final int TOP = 3;
    private static final int LABEL_WIDTH = 12;
    private static final String RESET = "\u001b[0m";

    private final AttentionData data;
    private final boolean color;

    public TerminalView(AttentionData data, boolean color) {
        this.data = data;
        this.color = color;
    }

    public void head(int layer, int head, PrintStream out) {
        HeadStat s = data.stat(layer, head);
        String name = HeadLabels.name(s);
        out.println("layer " + layer + ", head " + head + (name.isEmpty() ? "" : ": " + name));
        out.println("  " + statsLine(s));
        out.println();
        float[][] w = data.weights()[layer][head];
        int t = data.length();
        int idx = Integer.toString(t - 1).length();
        out.println(pad("query", idx + 2 + LABEL_WIDTH, false) + "  attends most to");
        for (int q = 0; q < t; q++) {
            StringBuilder line = new StringBuilder();
            line.append(pad(Integer.toString(q), idx, true)).append("  ").append(pad(label(q), LABEL_WIDTH, false));
            int[] top = top(w[q], q, TOP);
            for (int i = 0; i < top.length; i++) {
                // Keys that would print as 0.00 are noise next to the ones that matter.
                if (i > 0 && w[q][top[i]] < 0.005f) break;
                // The position tells repeated tokens apart.
                line.append("  ")
                        .append(label(top[i]))
                        .append('(')
                        .append(top[i])
                        .append(") ")
                        .append(fmt(w[q][top[i]]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.println();
        heatmap(w, out);
    }

    /**
     * How one query's weights are made, a key per line: q·k, times the scale, the mask (later keys -inf, greyed in
     * colour), the softmax. Numbers to 6 decimals so the table can be checked against a reference.
     */
    public void steps(AttentionSteps s, PrintStream out) {
        int t = data.length();
        out.println("layer " + s.layer() + ", head " + s.head() + ", query " + s.query() + " " + label(s.query())
                + ": from scores to weights");
        out.println(String.format(
                Locale.ROOT,
                "  1. score  = q\u00b7k, the query's dot product with each key%n"
                        + "  2. scaled = score \u00d7 %.6g%s%n"
                        + "  3. mask   : keys after the query are -inf (a token may not look ahead)%n"
                        + "  4. weight = softmax = e^(scaled - max) / sum of e^(scaled - max) over the unmasked keys",
                s.scale(),
                " (" + AttentionSteps.explainScale(s.scale(), data.headSize()) + ")"));
        out.println();
        int idx = Math.max(3, Integer.toString(t - 1).length());
        out.println(pad("key", idx, true) + "  " + pad("token", LABEL_WIDTH, false)
                + "         score        scaled        masked     weight");
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int k = 0; k <= s.query(); k++) max = Math.max(max, s.masked()[k]);
        for (int k = 0; k < t; k++) {
            StringBuilder line = new StringBuilder();
            line.append(pad(Integer.toString(k), idx, true)).append("  ").append(pad(label(k), LABEL_WIDTH, false));
            if (k <= s.query()) {
                line.append(String.format(
                        Locale.ROOT,
                        " %13.6f %13.6f %13.6f %10.6f  ",
                        s.scores()[k],
                        s.scaled()[k],
                        s.masked()[k],
                        s.weights()[k]));
                line.append(bar(s.weights()[k]));
                if (s.masked()[k] == max) line.append(" max");
                sum += s.weights()[k];
            } else {
                line.append(String.format(
                        Locale.ROOT, " %13s %13s %13s %10s  (after the query)", "\u00b7", "\u00b7", "-inf", "0"));
            }
            String text = line.toString().stripTrailing();
            out.println(color && k > s.query() ? "\u001b[90m" + text + RESET : text);
        }
        out.println(String.format(Locale.ROOT, "weights sum to %.6f over keys 0..%d", sum, s.query()));
    }

    /** Up to 20 eighth-blocks long: a weight of 1 fills 20 columns. */
    private static String bar(double w) {
        int eighths = (int) Math.round(w * 160);
        String full = "\u2588".repeat(eighths / 8);
        return eighths % 8 == 0 ? full : full + (char) ('\u2590' - eighths % 8);
    }

    /** Rows: queries; columns: keys; the masked upper triangle stays blank. */
    void heatmap(float[][] w, PrintStream out) {
        int t = data.length();
        int cell = t <= 32 ? 2 : 1; // square-ish cells while the map fits 80 columns
        out.println(
                color
                        ? "heatmap (row: query, column: key; darker = more weight)"
                        : "heatmap (row: query, column: key; \u00b7 <0.1 \u2591 <0.3 \u2592 <0.5 \u2593 <0.75 \u2588 weight)");
        StringBuilder header = new StringBuilder(" ".repeat(LABEL_WIDTH + 1));
        for (int k = 0; k < t; k++) {
            header.append(pad(Integer.toString(k % 10), cell, false));
        }
        out.println(header.toString().stripTrailing());
        for (int q = 0; q < t; q++) {
            StringBuilder line = new StringBuilder(pad(label(q), LABEL_WIDTH, false)).append(' ');
            for (int k = 0; k <= q; k++) {
                if (color) {
                    line.append("\u001b[48;5;")
                            .append(HeatColors.ansi256(w[q][k]))
                            .append('m')
                            .append(" ".repeat(cell));
                } else {
                    line.append(String.valueOf(shade(w[q][k])).repeat(cell));
                }
            }
            if (color) line.append(RESET);
            out.println(line);
        }
    }

    /** Statistics of several heads, one row each; labelled heads are named. */
    public void summary(Iterable<HeadStat> heads, PrintStream out) {
        StringBuilder tokens = new StringBuilder("tokens (" + data.length() + "):");
        for (int i = 0; i < data.length(); i++) tokens.append(' ').append(label(i));
        out.println(tokens);
        out.println();
        out.println("layer  head  entropy  previous  first   same  induction  label");
        for (HeadStat s : heads) {
            String name = HeadLabels.name(s);
            String row = String.format(
                    Locale.ROOT,
                    "%5d  %4d  %7.3f  %8.3f  %5.3f  %5.3f  %9.3f  %s",
                    s.layer(),
                    s.head(),
                    s.entropy(),
                    s.previousToken(),
                    s.firstToken(),
                    s.sameToken(),
                    s.induction(),
                    name);
            out.println(color && !name.isEmpty() ? "\u001b[1m" + row.stripTrailing() + RESET : row.stripTrailing());
        }
        out.println();
        HeadStat any = data.stats().getFirst();
        out.println(String.format(
                Locale.ROOT,
                "uniform baseline (a head spreading its weight evenly) on these %d tokens:"
                        + " entropy %.3f, previous/first/same %.3f each, induction %.3f",
                data.length(),
                any.uniformEntropy(),
                any.uniformShare(),
                any.uniformInduction()));
        out.println("entropy: mean over queries, in nats; previous/first/same: mean share of attention on that token;");
        out.println(
                "induction: on a random sequence repeated once, share on the token after the earlier copy of the query.");
        out.println(String.format(
                Locale.ROOT,
                "A label needs its share %.2f above the baseline (and previous/first/self a"
                        + " prompt of %d+ tokens).",
                HeadStat.LABEL_MARGIN,
                HeadStat.LABEL_MIN_TOKENS));
        out.println("One head in detail: --layer L --head H; one query's steps: --layer L --head H --query N --steps");
    }

    static String statsLine(HeadStat s) {
        return String.format(
                Locale.ROOT,
                "entropy %.3f  previous %.3f  first %.3f  same %.3f  induction %.3f  (uniform: %.3f, %.3f each, %.3f)",
                s.entropy(),
                s.previousToken(),
                s.firstToken(),
                s.sameToken(),
                s.induction(),
                s.uniformEntropy(),
                s.uniformShare(),
                s.uniformInduction());
    }

    /** Keys 0..query with the largest weights, heaviest first; ties go to the earlier key. */
    static int[] top(float[] row, int query, int n) {
        int m = Math.min(n, query + 1);
        int[] best = new int[m];
        boolean[] taken = new boolean[query + 1];
        for (int i = 0; i < m; i++) {
            int b = -1;
            for (int k = 0; k <= query; k++) {
                if (!taken[k] && (b < 0 || row[k] > row[b])) b = k;
            }
            taken[b] = true;
            best[i] = b;
        }
        return best;
    }

    static char shade(float w) {
        if (w < 0.1f) return '\u00b7';
        if (w < 0.3f) return '\u2591';
        if (w < 0.5f) return '\u2592';
        if (w < 0.75f) return '\u2593';
        return '\u2588';
    }

    private String label(int i) {
        return TokenText.shorten(data.label(i), LABEL_WIDTH);
    }

    private static String fmt(float w) {
        return String.format(Locale.ROOT, "%.2f", w);
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - TokenText.width(s)));
        return right ? fill + s : s + fill;
    }
}
