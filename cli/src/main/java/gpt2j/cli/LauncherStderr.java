package gpt2j.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The user's stderr. The JVM prints "WARNING: Using incubator modules" on every start, before main, and has no option
 * to silence it, so the launcher starts the JVM with fd 2 on a pipe through a filter that drops that one line, and
 * keeps the real stderr open as fd {@code gpt2j.stderr.fd}. When that is a terminal or a pipe, main writes to it
 * directly: nothing stands between the process and the user (no delay, no reordering against stdout). A regular file
 * is not reopened (a second open file description would write over the shell's offset), so there, and without the
 * launcher, stderr is fd 2.
 */
final class LauncherStderr {

    private static final int TYPE_MASK = 0170000;
    private static final int FIFO = 0010000;
    private static final int CHARACTER_DEVICE = 0020000;

    private LauncherStderr() {}

    static OutputStream open() {
        String fd = System.getProperty("gpt2j.stderr.fd");
        if (fd != null && fd.matches("[0-9]+")) {
            try {
                Path p = Path.of("/dev/fd/" + fd);
                int type = (Integer) Files.getAttribute(p, "unix:mode") & TYPE_MASK;
                if (type == CHARACTER_DEVICE || type == FIFO) {
                    return new FileOutputStream(p.toFile(), true);
                }
            } catch (Exception | LinkageError e) { // keep fd 2: it still reaches the user, through the filter
            }
        }
        return new FileOutputStream(FileDescriptor.err);
    }
}
