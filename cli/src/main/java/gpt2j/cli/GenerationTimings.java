package gpt2j.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Where a generate run's time went, as a user should read it. The first token pays for everything that happens once:
 * the JVM starting, the model loading and the prompt pass, which runs while the JIT is still compiling the kernels.
 * The tokens after it show the steady speed. Marks are {@link System#nanoTime()}; the JVM's start comes from the
 * operating system's process start time ({@link StartUp}).
 */
final class GenerationTimings {

    private final long commandNanos;
    private long[] tokenNanos = new long[64];
    private int count;

    GenerationTimings() {
        commandNanos = System.nanoTime();
    }

    /** Called as each generated token arrives. */
    void token() {
        if (count == tokenNanos.length) {
            tokenNanos = Arrays.copyOf(tokenNanos, count * 2);
        }
        tokenNanos[count++] = System.nanoTime();
    }

    int tokens() {
        return count;
    }

    /** Process start to main, or NaN when the CLI runs inside another program (tests). */
    double startUpMillis() {
        return StartUp.millisBeforeMain();
    }

    /** From the process start (or, in-process, from the command's start) to the first token. */
    double firstTokenMillis() {
        if (count == 0) {
            return Double.NaN;
        }
        double startUp = startUpMillis();
        long from = Double.isNaN(startUp) ? commandNanos : StartUp.mainNanos();
        return (Double.isNaN(startUp) ? 0 : startUp) + (tokenNanos[0] - from) / 1e6;
    }

    /** The tokens after the first: the steady state, once everything that happens once is paid for. */
    double restMillisPerToken() {
        return count < 2 ? Double.NaN : (tokenNanos[count - 1] - tokenNanos[0]) / 1e6 / (count - 1);
    }

    double restMedianMillis() {
        if (count < 2) {
            return Double.NaN;
        }
        long[] steps = steps();
        Arrays.sort(steps);
        int n = steps.length;
        return (n % 2 == 1 ? steps[n / 2] : (steps[n / 2 - 1] + steps[n / 2]) / 2.0) / 1e6;
    }

    /** Time the tokens after the first spent above their median: what the JIT's warm-up still cost there. */
    double restWarmUpMillis() {
        if (count < 2) {
            return Double.NaN;
        }
        double median = restMedianMillis();
        double extra = 0;
        for (long step : steps()) {
            extra += Math.max(0, step / 1e6 - median);
        }
        return extra;
    }

    private long[] steps() {
        long[] steps = new long[count - 1];
        for (int i = 1; i < count; i++) {
            steps[i - 1] = tokenNanos[i] - tokenNanos[i - 1];
        }
        return steps;
    }

    /** The JSON "timings" fields added to the engine's: null where a number does not exist (fewer than 2 tokens). */
    void addTo(Map<String, Object> timings) {
        timings.put("startup_ms", number(startUpMillis()));
        timings.put("time_to_first_token_ms", number(firstTokenMillis()));
        timings.put("rest_tokens", Math.max(0, count - 1));
        timings.put("rest_ms_per_token", number(restMillisPerToken()));
        timings.put("rest_tokens_per_s", number(1000 / restMillisPerToken()));
    }

    private static Double number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }

    /** One line: the first token's wait and what it was made of, then the steady speed. */
    String summary(double loadMillis, int promptTokens, double promptMillis) {
        StringBuilder sb = new StringBuilder();
        sb.append(count).append(count == 1 ? " token" : " tokens");
        if (count > 0) {
            sb.append(String.format(Locale.ROOT, "; first after %.0f ms (", firstTokenMillis()));
            double startUp = startUpMillis();
            if (!Double.isNaN(startUp)) {
                sb.append(String.format(Locale.ROOT, "start-up %.0f, ", startUp));
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "load %.0f, prompt of %d %.0f while the JIT warms up)",
                    loadMillis,
                    promptTokens,
                    promptMillis));
        }
        if (count > 1) {
            sb.append(String.format(
                    Locale.ROOT,
                    ", then %.1f ms/token, %.1f tokens/s",
                    restMillisPerToken(),
                    1000 / restMillisPerToken()));
        }
        return sb.toString();
    }

    /** --verbose: one line per phase. */
    void breakdown(PrintStream err, double loadMillis, int promptTokens, double promptMillis) {
        err.println("gpt2j: timings");
        double startUp = startUpMillis();
        if (!Double.isNaN(startUp)) {
            err.printf(
                    Locale.ROOT,
                    "  start-up     %8.1f ms  process start to main: launcher, JVM, class loading%n",
                    startUp);
        }
        err.printf(Locale.ROOT, "  model load   %8.1f ms%n", loadMillis);
        err.printf(
                Locale.ROOT,
                "  prompt       %8.1f ms  %d tokens, %.1f tokens/s, mostly before the JIT has compiled the kernels%n",
                promptMillis,
                promptTokens,
                promptTokens * 1000 / promptMillis);
        if (count > 0) {
            double other = firstTokenMillis() - (Double.isNaN(startUp) ? 0 : startUp) - loadMillis - promptMillis;
            err.printf(
                    Locale.ROOT,
                    "  other        %8.1f ms  arguments, tokenizing, the KV cache, the first token's sampling%n",
                    other);
            err.printf(
                    Locale.ROOT,
                    "  first token  %8.1f ms  after %s, the sum of the above%n",
                    firstTokenMillis(),
                    Double.isNaN(startUp) ? "the command started" : "the process started");
        }
        if (count > 1) {
            double rest = (tokenNanos[count - 1] - tokenNanos[0]) / 1e6;
            err.printf(
                    Locale.ROOT,
                    "  rest         %8.1f ms  %d tokens: %.2f ms/token (%.1f tokens/s), median %.2f ms/token%n",
                    rest,
                    count - 1,
                    restMillisPerToken(),
                    1000 / restMillisPerToken(),
                    restMedianMillis());
            err.printf(
                    Locale.ROOT,
                    "  JIT warm-up  %8.1f ms  of the rest's time above its median (steps still being compiled)%n",
                    restWarmUpMillis());
        }
    }
}
