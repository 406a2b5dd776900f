package gpt2j.cli.attention;

import gpt2j.api.HeadStat;
import java.util.List;

/**
 * What every view shows: the prompt's token strings, the weights {@code [layer][head][query][key]} (after mask and
 * softmax; keys after the query are 0) and one statistic per head, in layer-then-head order; optionally the raw scores
 * q·k {@code [layer][head][query][key]} with the scale each layer multiplies them by (as the engine applied it) and
 * the heads' width (0 if unknown), and the model's most probable next tokens after each position.
 */
public record AttentionData(
        List<String> tokens,
        float[][][][] weights,
        List<HeadStat> stats,
        float[][][][] scores,
        float[] scales,
        int headSize,
        List<List<Candidate>> next) {

    /** One possible next token. */
    public record Candidate(int id, String token, double probability) {}

    public AttentionData(List<String> tokens, float[][][][] weights, List<HeadStat> stats) {
        this(tokens, weights, stats, null, null, 0, List.of());
    }

    public AttentionData {
        tokens = List.copyOf(tokens);
        stats = List.copyOf(stats);
        next = next.stream().map(List::copyOf).toList();
        int t = tokens.size();
        if (t == 0 || weights.length == 0 || weights[0].length == 0) {
            throw new IllegalArgumentException("attention needs at least one token, layer and head");
        }
        checkShape(weights, t);
        if (scores != null) {
            checkShape(scores, t);
            if (scores.length != weights.length || scores[0].length != weights[0].length) {
                throw new IllegalArgumentException("scores and weights differ in shape");
            }
            if (scales == null || scales.length != weights.length) {
                throw new IllegalArgumentException("one scale per layer is needed with scores");
            }
        }
        if (!next.isEmpty() && next.size() != t) throw new IllegalArgumentException("next tokens != tokens");
        int n = weights.length * weights[0].length;
        if (stats.size() != n) {
            throw new IllegalArgumentException("expected " + n + " head stats, got " + stats.size());
        }
        for (int i = 0; i < n; i++) {
            HeadStat s = stats.get(i);
            if (s.layer() * weights[0].length + s.head() != i) {
                throw new IllegalArgumentException("head stats out of order at " + i);
            }
        }
    }

    private static void checkShape(float[][][][] a, int t) {
        for (float[][][] layer : a) {
            if (layer.length != a[0].length) throw new IllegalArgumentException("ragged heads");
            for (float[][] head : layer) {
                if (head.length != t) throw new IllegalArgumentException("queries != tokens");
                for (float[] row : head) if (row.length != t) throw new IllegalArgumentException("keys != tokens");
            }
        }
    }

    public int layers() {
        return weights.length;
    }

    public int heads() {
        return weights[0].length;
    }

    public int length() {
        return tokens.size();
    }

    public HeadStat stat(int layer, int head) {
        return stats.get(layer * heads() + head);
    }

    public boolean hasScores() {
        return scores != null;
    }

    /** The token as a one-line label. */
    public String label(int i) {
        return TokenText.visible(tokens.get(i));
    }
}
