/** GPT-2's byte-level BPE tokenizer: text to token ids and back. No dependencies. */
module gpt2j.tokenizer {
    exports gpt2j.tokenizer;
}
