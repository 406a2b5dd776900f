package gpt2j.cli.attention;

import gpt2j.api.HeadLabel;
import gpt2j.api.HeadStat;

/** Words for the engine's head labels ({@link HeadLabel}); {@link HeadLabel#OTHER} means unlabelled. */
public final class HeadLabels {

    private HeadLabels() {}

    /** The label's id as JSON writes it, or "" for a head without a recognizable job. */
    public static String key(HeadStat s) {
        return s.label() == HeadLabel.OTHER ? "" : s.label().id();
    }

    /** A short name such as "induction head", or "". */
    public static String name(HeadStat s) {
        return switch (s.label()) {
            case OTHER -> "";
            case INDUCTION -> "induction head";
            case PREVIOUS_TOKEN -> "previous-token head";
            case FIRST_TOKEN -> "first-token head (attention sink)";
            case SELF -> "self head";
        };
    }

    /** One sentence saying what the head does. */
    public static String explain(HeadStat s) {
        return switch (s.label()) {
            case OTHER -> "No clear positional job: not previous-token, first-token, self or induction.";
            case INDUCTION ->
                "Looks for an earlier copy of the current token and attends to the token that followed"
                        + " it, so a repeated sequence can be continued.";
            case PREVIOUS_TOKEN -> "Each token attends to the token just before it.";
            case FIRST_TOKEN -> "Parks its attention on the first token when nothing else is relevant.";
            case SELF -> "Each token attends mostly to itself.";
        };
    }
}
