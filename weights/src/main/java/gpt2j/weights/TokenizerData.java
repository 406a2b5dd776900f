package gpt2j.weights;

import java.util.List;
import java.util.Map;

/**
 * A GPT-2 byte-level BPE vocabulary as GGUF stores it: {@code tokens} in id order (the byte-to-unicode encoded strings
 * of vocab.json) and {@code merges} in rank order ("Ġ t" style pairs, as merges.txt lists them), plus
 * {@code specials} (token -> id), tokenizer.json's special added tokens, which encode as their ids.
 */
public record TokenizerData(List<String> tokens, List<String> merges, Map<String, Integer> specials) {

    public TokenizerData {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        specials = Map.copyOf(specials);
    }

    public TokenizerData(List<String> tokens, List<String> merges) {
        this(tokens, merges, Map.of());
    }
}
