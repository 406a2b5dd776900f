package gpt2j.cli;

import gpt2j.weights.hub.DownloadProgress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Download progress on stderr: a {@link StderrProgress} per file (a bar with bytes, rate and ETA on a terminal; a line
 * every few seconds elsewhere), and off a terminal a line when each file starts and when it is done.
 */
final class DownloadBar implements DownloadProgress, AutoCloseable {

    private final PrintStream err;
    private final boolean terminal;
    private StderrProgress bar; // the file downloading, or null

    private DownloadBar(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** A bar when {@code err} is the process's stderr and that is a terminal; plain lines otherwise. */
    static DownloadBar on(PrintStream err) {
        return new DownloadBar(err, Terminal.isStderr(err));
    }

    @Override
    public void note(String message) {
        err.println(message);
    }

    @Override
    public void start(String repo, String file, long size, long resumedFrom) {
        close();
        if (!terminal) {
            err.println("downloading " + repo + ": " + file + (size >= 0 ? " (" + Units.bytes(size) + ")" : "")
                    + (resumedFrom > 0 ? ", resuming at " + Units.bytes(resumedFrom) : ""));
        }
        bar = StderrProgress.start(err, file, size, resumedFrom, StderrProgress.Unit.bytes(size));
    }

    @Override
    public void advance(long bytes) {
        if (bar != null) bar.stepBy(bytes);
    }

    @Override
    public void finish(String file) {
        if (bar == null) return;
        bar.close();
        if (!terminal) {
            err.println(String.format(
                    Locale.ROOT, "  %s: done, %s in %.1f s", file, Units.bytes(bar.advanced()), bar.seconds()));
        }
        bar = null;
    }

    /** Ends a bar left open by a failed download, so that the error line starts on a line of its own. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
