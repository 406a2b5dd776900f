package gpt2j.cli;

import gpt2j.weights.hub.DownloadProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Download progress on stderr: a progress bar (bytes, rate, ETA) when stderr is a terminal, else plain lines: one when
 * a file starts, one every few seconds while it runs, one when it is done.
 */
final class DownloadBar implements DownloadProgress, AutoCloseable {

    private static final long LINE_EVERY_NANOS = 5_000_000_000L;

    private final PrintStream err;
    private final boolean terminal;
    private ProgressBar bar;      // the terminal's bar for the file downloading, or null
    private String file;
    private long size;
    private long done;
    private long resumedFrom;
    private long startNanos;
    private long lastLineNanos;

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
        this.file = file;
        this.size = size;
        this.done = resumedFrom;
        this.resumedFrom = resumedFrom;
        this.startNanos = this.lastLineNanos = System.nanoTime();
        if (terminal) {
            boolean small = size >= 0 && size < 1 << 20;
            bar = new ProgressBarBuilder().setTaskName(file).setInitialMax(size).startsFrom(resumedFrom, Duration.ZERO)
                    .setUnit(small ? " KiB" : " MiB", small ? 1 << 10 : 1 << 20).showSpeed().setUpdateIntervalMillis(250)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setConsumer(new ConsoleProgressBarConsumer(err))
                    .build();
        } else {
            err.println("downloading " + repo + ": " + file + (size >= 0 ? " (" + Units.bytes(size) + ")" : "")
                    + (resumedFrom > 0 ? ", resuming at " + Units.bytes(resumedFrom) : ""));
        }
    }

    @Override
    public void advance(long bytes) {
        done += bytes;
        if (bar != null) {
            bar.stepBy(bytes);
            return;
        }
        long now = System.nanoTime();
        if (now - lastLineNanos >= LINE_EVERY_NANOS) {
            lastLineNanos = now;
            double rate = (done - resumedFrom) / ((now - startNanos) / 1e9);
            String line = "  " + file + ": " + Units.bytes(done);
            if (size > 0) {
                line += String.format(Locale.ROOT, " of %s (%.0f%%), %s/s, ETA %.0f s", Units.bytes(size), 100.0 * done / size,
                        Units.bytes((long) rate), rate > 0 ? (size - done) / rate : 0.0);
            }
            err.println(line);
        }
    }

    @Override
    public void finish(String file) {
        if (bar != null) {
            bar.close();
            bar = null;
        } else if (this.file != null) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            err.println(String.format(Locale.ROOT, "  %s: done, %s in %.1f s", file, Units.bytes(done - resumedFrom), seconds));
        }
        this.file = null;
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
