package gpt2j.cli;

import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whether stdout and stderr are terminals. The launcher says so ({@code -Dgpt2j.stdout.terminal},
 * {@code -Dgpt2j.stderr.terminal}, from {@code [ -t 1 ]} and {@code [ -t 2 ]}): it starts the JVM with fd 2 on the
 * filter that hides the incubator warning, so isatty(2) would say no. Without the launcher: libc's isatty through
 * FFM, where there is one; the JDK's Console otherwise.
 */
final class Terminal {

    private static volatile PrintStream processStderr;

    private Terminal() {}

    /** Main registers the stream it made for stderr; any other stream (a test's) is no terminal. */
    static void registerStderr(PrintStream err) {
        processStderr = err;
    }

    static boolean isStderr(PrintStream err) {
        if (err != processStderr || "dumb".equals(System.getenv("TERM"))) return false;
        return is("gpt2j.stderr.terminal", 2);
    }

    /** Whether stdout is a terminal; false inside another program (tests), which gets the plain forms. */
    static boolean isStdout() {
        return processStderr != null && is("gpt2j.stdout.terminal", 1);
    }

    private static boolean is(String launcherProperty, int fd) {
        String told = System.getProperty(launcherProperty);
        if (told != null) return Boolean.parseBoolean(told);
        try {
            Linker linker = Linker.nativeLinker();
            var isatty = linker.defaultLookup().find("isatty");
            if (isatty.isPresent()) {
                MethodHandle h = linker.downcallHandle(
                        isatty.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                return (int) h.invokeExact(fd) == 1;
            }
        } catch (Throwable e) {
            // no native access: fall through to what the JDK knows
        }
        var console = System.console();
        return console != null && console.isTerminal();
    }
}
