package gpt2j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether the process's stdin is piped: a FIFO, a regular file or a socket, rather than a terminal or /dev/null. */
final class Stdin {

    private static final int TYPE_MASK = 0170000;
    private static final int FIFO = 0010000;
    private static final int REGULAR = 0100000;
    private static final int SOCKET = 0140000;

    private Stdin() {}

    static boolean piped() {
        try {
            // st_mode of what fd 0 points to; the "unix" attribute view exists on Linux and macOS.
            int type = (Integer) Files.getAttribute(Path.of("/dev/stdin"), "unix:mode") & TYPE_MASK;
            return type == FIFO || type == REGULAR || type == SOCKET;
        } catch (Exception | LinkageError e) { // no /dev/stdin or no unix view (Windows): never wait on stdin
            return false;
        }
    }
}
