package gpt2j.cli.attention;

import gpt2j.api.HeadLabel;
import gpt2j.api.HeadStat;
import java.util.ArrayList;
import java.util.List;

/** Hand-made attention with known patterns, so a view's output can be predicted exactly. */
final class Samples {

    static final List<String> TOKENS =
            List.of("The", " cat", " sat", " on", " the", " mat", ".", "\n", " The", " cat", " sat", " on");

    private Samples() {}

    /**
     * Two layers of three heads: head 0 puts all weight on the previous token (the first token on itself), head 1 is
     * uniform over the allowed keys, head 2 puts all weight on the first token.
     */
    static AttentionData data() {
        int t = TOKENS.size(), layers = 2, heads = 3;
        float[][][][] w = new float[layers][heads][t][t];
        List<HeadStat> stats = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int q = 0; q < t; q++) {
                w[l][0][q][Math.max(0, q - 1)] = 1f;
                for (int k = 0; k <= q; k++) w[l][1][q][k] = 1f / (q + 1);
                w[l][2][q][0] = 1f;
            }
            stats.add(new HeadStat(l, 0, 0, 1, 1.0 / (t - 1), 0, 0.02, HeadLabel.PREVIOUS_TOKEN, 1.5, 0.2, 0.02));
            stats.add(new HeadStat(l, 1, 1.5, 0.3, 0.3, 0.3, 0.1, HeadLabel.OTHER, 1.5, 0.2, 0.02));
            stats.add(new HeadStat(l, 2, 0, 1.0 / (t - 1), 1, 0, 0.01, HeadLabel.FIRST_TOKEN, 1.5, 0.2, 0.02));
        }
        return new AttentionData(TOKENS, w, stats);
    }
}
