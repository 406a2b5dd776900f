package gpt2j.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: on a terminal one bar redrawn in place ({@code \r}), at most ten times a second; elsewhere (a log,
 * a pipe) optionally a line at each tenth of the work, so a long job's log shows progress without a flood of lines.
 */
final class Progress {

    private static final int WIDTH = 30;

    private final PrintStream err;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final boolean logLines;
    private long lastDraw;
    private int lastTenth;
    private int drawnLength;

    Progress(PrintStream err, boolean terminal, String label, long total, boolean logLines) {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.total = Math.max(1, total);
        this.logLines = logLines;
    }

    /** {@code done} of the total, with a short note (a running value) after the count. */
    void update(long done, String note) {
        long now = System.nanoTime();
        if (terminal) {
            if (done < total && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int filled = (int) (WIDTH * done / total);
            String line = String.format(Locale.ROOT, "gpt2j: %s [%s%s] %3d%% %d/%d%s", label, "=".repeat(filled),
                    " ".repeat(WIDTH - filled), 100 * done / total, done, total, note.isEmpty() ? "" : " " + note);
            err.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
            drawnLength = line.length();
            err.flush();
        } else if (logLines) {
            int tenth = (int) (10 * done / total);
            if (tenth > lastTenth || done == total) {
                lastTenth = tenth;
                err.printf(Locale.ROOT, "gpt2j: %s %d/%d%s%n", label, done, total, note.isEmpty() ? "" : " " + note);
            }
        }
    }

    /** Ends the bar's line, so what follows starts on a fresh one. */
    void finish() {
        if (terminal && drawnLength > 0) {
            err.println();
            drawnLength = 0;
        }
    }
}
