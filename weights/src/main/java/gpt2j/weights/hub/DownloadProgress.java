package gpt2j.weights.hub;

/**
 * What the hub resolver tells its caller while it works; the caller decides how to show it (weights never prints).
 * Calls come from the thread that called the resolver.
 */
public interface DownloadProgress {

    /** A line worth telling the user: which GGUF file was chosen, a fallback to the cache, a wait for a lock. */
    void note(String message);

    /** {@code file} starts downloading: {@code size} bytes in all (-1 when unknown), {@code resumedFrom} already on disk. */
    void start(String repo, String file, long size, long resumedFrom);

    /** {@code bytes} more bytes of the file being downloaded arrived. */
    void advance(long bytes);

    /** The file being downloaded is complete and verified. */
    void finish(String file);

    DownloadProgress SILENT = new DownloadProgress() {
        @Override
        public void note(String message) {}

        @Override
        public void start(String repo, String file, long size, long resumedFrom) {}

        @Override
        public void advance(long bytes) {}

        @Override
        public void finish(String file) {}
    };
}
