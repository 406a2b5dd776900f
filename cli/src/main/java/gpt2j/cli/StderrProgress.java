package gpt2j.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One job's progress on stderr (quantize, perplexity, a download). When stderr is a terminal: me.tongfei's progress
 * bar, redrawn in place with the count, ETA, the rate of bytes and a note (the running perplexity). Else
 * (a log, a pipe): a plain line at most every few seconds, none at the end, so a job of a second prints none and a
 * long one leaves a sparse trail. {@code -Dgpt2j.progress.seconds} sets that interval (0: a line at every step).
 */
final class StderrProgress implements AutoCloseable {

    /** What is counted: {@code scale} of them make one shown unit (1 << 20 bytes are one MiB). */
    record Unit(String name, long scale, boolean bytes) {
        static final Unit TOKENS = new Unit("tokens", 1, false);
        static final Unit TENSORS = new Unit("tensors", 1, false);

        /** Bytes, shown in KiB for a small total and MiB otherwise. */
        static Unit bytes(long total) {
            boolean small = total >= 0 && total < 1 << 20;
            return new Unit(small ? "KiB" : "MiB", small ? 1 << 10 : 1 << 20, true);
        }
    }

    private final PrintStream err;
    private final String task;
    private long total; // -1 when unknown
    private final Unit unit;
    private final long lineEveryNanos;
    private final ProgressBar bar; // on a terminal; null elsewhere
    private final Console console; // the bar's
    private final long startDone;
    private final long startNanos;
    private long lastLineNanos;
    private long done;
    private String note = "";

    StderrProgress(
            PrintStream err,
            boolean terminal,
            long lineEveryNanos,
            String task,
            long total,
            long startDone,
            Unit unit) {
        this.err = err;
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.lineEveryNanos = lineEveryNanos;
        this.done = this.startDone = startDone;
        this.startNanos = this.lastLineNanos = System.nanoTime();
        if (terminal) {
            // The bar gets what the line's width leaves; the rate only for bytes, so that a note fits in 80 columns.
            ProgressBarBuilder b = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .startsFrom(startDone, Duration.ZERO)
                    .setUnit(" " + unit.name(), unit.scale())
                    .setUpdateIntervalMillis(250)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setConsumer(console = new Console(err));
            this.bar = (unit.bytes() ? b.showSpeed() : b).build();
        } else {
            this.bar = null;
            this.console = null;
        }
    }

    /** Progress of {@code task} towards {@code total} (-1: unknown), from {@code startDone} (a resumed download). */
    static StderrProgress start(PrintStream err, String task, long total, long startDone, Unit unit) {
        long seconds = Long.getLong("gpt2j.progress.seconds", 5);
        return new StderrProgress(err, Terminal.isStderr(err), seconds * 1_000_000_000L, task, total, startDone, unit);
    }

    static StderrProgress start(PrintStream err, String task, long total, Unit unit) {
        return start(err, task, total, 0, unit);
    }

    /** Sets the total, when it was unknown at the start. */
    void total(long total) {
        this.total = total;
        if (bar != null) bar.maxHint(total);
    }

    /** A short note shown after the count from the next update on, e.g. "ppl 23.41". */
    void note(String note) {
        this.note = note;
        if (bar != null) bar.setExtraMessage(" " + note); // the bar puts it right after the rate
    }

    void stepBy(long n) {
        stepTo(done + n);
    }

    void stepTo(long n) {
        done = n;
        if (bar != null) {
            bar.stepTo(n);
            return;
        }
        long now = System.nanoTime();
        // The finished state gets no line: each command says what it did when the job ends.
        if (now - lastLineNanos >= lineEveryNanos && (done < total || total < 0)) {
            lastLineNanos = now;
            err.println(line(now));
        }
    }

    /** How far this run got: from the start (a resumed download's bytes on disk not counted). */
    long advanced() {
        return done - startDone;
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    // "gpt2j: perplexity: 12800 of 48000 tokens (27%), 410.3 tokens/s, ETA 86 s, ppl 23.41"
    private String line(long now) {
        StringBuilder s = new StringBuilder("gpt2j: ").append(task).append(": ");
        if (unit.bytes()) {
            s.append(Units.bytes(done)).append(total > 0 ? " of " + Units.bytes(total) : "");
        } else {
            s.append(done).append(total > 0 ? " of " + total : "").append(' ').append(unit.name());
        }
        if (total > 0) s.append(String.format(Locale.ROOT, " (%d%%)", 100 * done / total));
        double seconds = (now - startNanos) / 1e9;
        double rate = (done - startDone) / seconds;
        if (rate > 0) {
            s.append(", ")
                    .append(
                            unit.bytes()
                                    ? Units.bytes((long) rate)
                                    : String.format(Locale.ROOT, "%.1f %s", rate, unit.name()))
                    .append("/s");
            if (total > 0) s.append(String.format(Locale.ROOT, ", ETA %.0f s", (total - done) / rate));
        }
        if (!note.isEmpty()) s.append(", ").append(note);
        return s.toString();
    }

    /** Draws the bar at its final state and ends its line, so what follows starts on a fresh one. */
    @Override
    public void close() {
        if (bar == null) return;
        bar.close();
        if (!console.closed) console.close();
    }

    /**
     * The bar's console, which knows whether the bar ended its line: progressbar 0.10.1 does not when it is closed
     * before its first scheduled draw (a short job on a busy machine), and the next line would follow on the bar's.
     */
    private static final class Console extends ConsoleProgressBarConsumer {
        private volatile boolean closed;

        Console(PrintStream out) {
            super(out);
        }

        @Override
        public void close() {
            closed = true;
            super.close();
        }
    }
}
