package gpt2j.api;

import gpt2j.engine.HeadStats;

/**
 * What one attention head does, from {@link Model#headStats}. Shares are mean attention weights over query rows 1..T-1
 * (row 0 can only attend to itself, so it says nothing); all are 0 for a one-token prompt.
 *
 * @param entropy       mean entropy of the attention rows, in nats (0 = all weight on one key; ln(q+1) = uniform)
 * @param previousToken mean weight on key q-1
 * @param firstToken    mean weight on key 0
 * @param sameToken     mean weight on key q (the query itself)
 * @param induction     mean weight, over the second copy of a repeated random sequence, on the token right after the
 *                      query token's earlier occurrence
 * @param label         what the head recognizably does, or {@link HeadLabel#OTHER}: a share or score must pass
 *                      its threshold and beat the uniform baseline by {@link #LABEL_MARGIN}, and the prompt labels
 *                      need {@link #LABEL_MIN_TOKENS} tokens
 * @param uniformEntropy   the entropy a head attending uniformly would have on the same prompt
 * @param uniformShare     the previous-, first- or same-token share a uniform head would have on the same prompt
 * @param uniformInduction the induction score a uniform head would have on the induction probe
 */
public record HeadStat(
        int layer,
        int head,
        double entropy,
        double previousToken,
        double firstToken,
        double sameToken,
        double induction,
        HeadLabel label,
        double uniformEntropy,
        double uniformShare,
        double uniformInduction) {

    /** How far a head's share or induction score must exceed a uniform head's for a label. */
    public static final double LABEL_MARGIN = HeadStats.MARGIN;

    /** The shortest prompt on which the prompt labels (all but induction) are given. */
    public static final int LABEL_MIN_TOKENS = HeadStats.MIN_TOKENS;
}
