package gpt2j.cli;

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
     * includes the launcher script) to main, or NaN when main did not run (the CLI inside another program).
     */
    static double millisBeforeMain() {
        if (mainNanos == 0) {
            return Double.NaN;
        }
        return ProcessHandle.current()
                .info()
                .startInstant()
                .map(start -> (double) Math.max(0, mainEpochMillis - start.toEpochMilli()))
                .orElse(Double.NaN);
    }
}
