package gpt2j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** When main began, to tell how much of a run was the process starting (launcher, JVM, class loading). */
final class StartUp {

    private static volatile long mainNanos;
    private static volatile long mainEpochMillis;

    private StartUp() {}

    /** Called first thing in main. */
    static void mark() {
        mainEpochMillis = System.currentTimeMillis();
        mainNanos = System.nanoTime();
    }

    static long mainNanos() {
        return mainNanos;
    }

    /**
     * From the process's start (as the operating system records it; the launcher's exec keeps the pid, so this
     * includes the launcher script) to main, or NaN when main did not run (the CLI inside another program). On Linux
     * from /proc, to 10 ms; elsewhere from {@link ProcessHandle}, whose start instant on Linux adds a boot time kept in
     * whole seconds, so it can be up to a second early.
     */
    static double millisBeforeMain() {
        if (mainNanos == 0) {
            return Double.NaN;
        }
        try {
            double millis = procMillisBeforeMain(
                    Files.readString(Path.of("/proc/self/stat")),
                    Files.readString(Path.of("/proc/uptime")),
                    (System.nanoTime() - mainNanos) / 1e6);
            if (!Double.isNaN(millis)) {
                return millis;
            }
        } catch (IOException | RuntimeException notLinux) {
            // no /proc: the coarser clock below
        }
        return ProcessHandle.current()
                .info()
                .startInstant()
                .map(start -> (double) Math.max(0, mainEpochMillis - start.toEpochMilli()))
                .orElse(Double.NaN);
    }

    /**
     * The time from the process's start to main, from /proc/self/stat's start time (field 22, clock ticks since boot,
     * 100 a second) and /proc/uptime's first number (seconds since boot, read {@code millisSinceMain} after main
     * began); NaN for text that is not what Linux writes there.
     */
    static double procMillisBeforeMain(String stat, String uptime, double millisSinceMain) {
        int paren = stat.lastIndexOf(')'); // the command name before it may hold spaces and parentheses
        String[] fields = stat.substring(paren + 1).trim().split(" ");
        String[] up = uptime.trim().split(" ");
        if (paren < 0 || fields.length < 20 || up.length < 1) {
            return Double.NaN;
        }
        try {
            double startMillis = Long.parseLong(fields[19]) * 10.0; // field 22 counts from 1 with the pid and name
            double mainMillis = Double.parseDouble(up[0]) * 1000 - millisSinceMain;
            return Math.max(0, mainMillis - startMillis);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
