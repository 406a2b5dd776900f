package gpt2j.cli;

import gpt2j.api.Model;

/** What commands check about an opened model before they use it. */
final class Models {

    private Models() {}

    /** {@code m}, for a command that needs text: fails with the model's reason when it has no tokenizer. */
    static Model withTokenizer(Model m) {
        if (!m.hasTokenizer()) throw new UserException(m.tokenizerProblem());
        return m;
    }
}
