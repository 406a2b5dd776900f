package gpt2j.cli;

import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Whether stderr is a terminal: libc's isatty(2) through FFM, where there is one; the JDK's Console otherwise. */
final class Terminal {

    private static volatile PrintStream processStderr;

    private Terminal() {
    }

    /** Main registers the stream it made of file descriptor 2; any other stream (a test's) is no terminal. */
    static void registerStderr(PrintStream err) {
        processStderr = err;
    }

    static boolean isStderr(PrintStream err) {
        if (err != processStderr || "dumb".equals(System.getenv("TERM"))) return false;
        try {
            Linker linker = Linker.nativeLinker();
            var isatty = linker.defaultLookup().find("isatty");
            if (isatty.isPresent()) {
                MethodHandle h = linker.downcallHandle(isatty.get(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                return (int) h.invokeExact(2) == 1;
            }
        } catch (Throwable e) {
            // no native access: fall through to what the JDK knows
        }
        var console = System.console();
        return console != null && console.isTerminal();
    }
}
