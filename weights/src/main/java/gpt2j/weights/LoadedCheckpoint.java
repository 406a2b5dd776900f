package gpt2j.weights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A checkpoint opened by {@link Gpt2Checkpoint#open}: the canonical weights plus what was learned about the source.
 * The weights are views of mapped files and of memory this object owns; {@link #close()} unmaps and frees them all,
 * so close it only when nothing uses the weights any more.
 */
public final class LoadedCheckpoint implements AutoCloseable {

    private final Gpt2Weights weights;
    private final TokenizerData tokenizer;
    private final String format;
    private final long fileBytes;
    private final List<Path> files;
    private final Map<GgmlType, Integer> sourceTypes;
    private final List<AutoCloseable> resources;

    LoadedCheckpoint(
            Gpt2Weights weights,
            TokenizerData tokenizer,
            String format,
            List<Path> files,
            long fileBytes,
            Map<GgmlType, Integer> sourceTypes,
            List<AutoCloseable> resources) {
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.format = format;
        this.files = List.copyOf(files);
        this.fileBytes = fileBytes;
        this.sourceTypes = Collections.unmodifiableMap(sourceTypes);
        this.resources = new ArrayList<>(resources);
    }

    public Gpt2Weights weights() {
        return weights;
    }

    /** The vocabulary stored in a GGUF file; null for Hugging Face directories (their vocab files are read by the caller). */
    public TokenizerData tokenizer() {
        return tokenizer;
    }

    /** "safetensors" or "gguf". */
    public String format() {
        return format;
    }

    /** The weight files read (never to be overwritten while the weights are in use). */
    public List<Path> files() {
        return files;
    }

    /** Total size of the weight files read. */
    public long fileBytes() {
        return fileBytes;
    }

    /** How many of the used tensors each stored type had in the file (before any F16/BF16 to F32 conversion). */
    public Map<GgmlType, Integer> sourceTypes() {
        return sourceTypes;
    }

    /** E.g. "Q8_0 x50, F32 x98": the stored types, most frequent first. */
    public String typeSummary() {
        return sourceTypes.entrySet().stream()
                .sorted(Map.Entry.<GgmlType, Integer>comparingByValue().reversed())
                .map(e -> e.getKey() + " x" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) failure = new IllegalStateException("closing checkpoint: " + e.getMessage(), e);
            }
        }
        resources.clear();
        if (failure != null) throw failure;
    }
}
