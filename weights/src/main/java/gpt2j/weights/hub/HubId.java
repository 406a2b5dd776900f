package gpt2j.weights.hub;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model named on the Hugging Face hub: {@code org/name}, a bare legacy id such as {@code gpt2}, optionally
 * {@code @revision} (branch, tag or commit) and {@code :QUANT} (which GGUF file of a GGUF repository, as llama.cpp's
 * {@code -hf org/name:Q4_K_M}).
 *
 * @param repo     the repository id as written ({@code gpt2} stays {@code gpt2}: the cache keys it that way too)
 * @param revision the branch, tag or commit; {@code main} when none was given
 * @param quant    the GGUF quantization tag in upper case, or null
 */
public record HubId(String repo, String revision, String quant) {

    public static final String DEFAULT_REVISION = "main";

    // The hub's own rules for a name part (huggingface_hub's validate_repo_id): letters, digits, '-', '_', '.',
    // at most 96 characters, no "--" or "..", not starting or ending with '-' or '.'.
    private static final String PART = "[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?";
    private static final Pattern ID = Pattern.compile(
            "(" + PART + "(?:/" + PART + ")?)(?:@([A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}))?(?::([A-Za-z0-9_]{1,32}))?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** The id {@code text} names, or null when it cannot be one (a path: "./x", "a/b/c", "model.gguf", ...). */
    public static HubId parse(String text) {
        Matcher m = ID.matcher(text);
        if (!m.matches()) return null;
        String repo = m.group(1);
        if (repo.contains("--") || repo.contains("..")) return null;
        String lower = repo.toLowerCase(Locale.ROOT);
        for (String ext : new String[] {".gguf", ".safetensors", ".bin", ".json", ".txt"}) {
            if (lower.endsWith(ext)) return null; // a file name that does not exist, not a repository
        }
        String revision = m.group(2) == null ? DEFAULT_REVISION : m.group(2);
        if (revision.contains("..") || revision.endsWith("/")) return null;
        String quant = m.group(3) == null ? null : m.group(3).toUpperCase(Locale.ROOT);
        return new HubId(repo, revision, quant);
    }

    /** Whether {@link #revision} is a full commit hash (a snapshot that never changes). */
    public boolean pinned() {
        return isCommit(revision);
    }

    static boolean isCommit(String s) {
        return COMMIT.matcher(s).matches();
    }

    @Override
    public String toString() {
        return repo + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision) + (quant == null ? "" : ":" + quant);
    }
}
