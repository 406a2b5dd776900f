package gpt2j.weights;

import java.util.List;

/**
 * A GPT-2 byte-level BPE vocabulary as GGUF stores it: {@code tokens} in id order (the byte-to-unicode encoded strings
 * of vocab.json) and {@code merges} in rank order ("Ġ t" style pairs, as merges.txt lists them).
 */
public record TokenizerData(List<String> tokens, List<String> merges) {

    public TokenizerData {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
    }
}
