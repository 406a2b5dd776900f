package gpt2j.cli.attention;

import gpt2j.api.HeadStat;

/** Words for the engine's head labels ({@link HeadStat#label}); "other" means unlabelled. */
public final class HeadLabels {

    private HeadLabels() {
    }

    /** The label as the engine gives it, or "" for a head without a recognizable job. */
    public static String key(HeadStat s) {
        String label = s.label();
        return label == null || label.equals("other") ? "" : label;
    }

    /** A short name such as "induction head", or "". */
    public static String name(HeadStat s) {
        return switch (key(s)) {
            case "" -> "";
            case "induction" -> "induction head";
            case "previous-token" -> "previous-token head";
            case "first-token" -> "first-token head (attention sink)";
            case "self" -> "self head";
            default -> key(s) + " head";
        };
    }

    /** One sentence saying what the head does. */
    public static String explain(HeadStat s) {
        return switch (key(s)) {
            case "" -> "No clear positional job: not previous-token, first-token, self or induction.";
            case "induction" -> "Looks for an earlier copy of the current token and attends to the token that followed"
                    + " it, so a repeated sequence can be continued.";
            case "previous-token" -> "Each token attends to the token just before it.";
            case "first-token" -> "Parks its attention on the first token when nothing else is relevant.";
            case "self" -> "Each token attends mostly to itself.";
            default -> "Labelled " + key(s) + ".";
        };
    }
}
