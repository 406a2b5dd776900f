package gpt2j.api;

/** What an attention head recognizably does, as {@link Model#headStats} labels it; {@link #OTHER} for none. */
public enum HeadLabel {
    INDUCTION("induction"),
    PREVIOUS_TOKEN("previous-token"),
    FIRST_TOKEN("first-token"),
    SELF("self"),
    OTHER("other");

    private final String id;

    HeadLabel(String id) {
        this.id = id;
    }

    /** The label as JSON and the pages write it: "induction", "previous-token", "first-token", "self", "other". */
    public String id() {
        return id;
    }
}
