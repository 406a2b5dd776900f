package gpt2j.weights;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Temporary files for atomic writes: {@code .<name>.<pid>-<hex>.tmp} beside the target, renamed over it once complete.
 * The leading dot hides it and no reader opens such a name, so a killed writer never leaves a half file where a later
 * run would use it. {@code kill -9} runs no cleanup, so the next write of the same target removes what dead writers
 * left; the pid in the name keeps it from touching a file that a live writer is still filling.
 */
public final class TempFiles {

    private static final Pattern NAME = Pattern.compile("\\.(.+)\\.([0-9]+)-[0-9a-f]+\\.tmp");

    private TempFiles() {}

    /**
     * A fresh temporary name beside {@code target} (absolute), for this process. Create it with CREATE_NEW, not
     * Files.createTempFile, whose 0600 mode would survive the rename; a plain create honours the umask.
     */
    public static Path beside(Path target) {
        return target.resolveSibling("." + target.getFileName() + "."
                + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()) + ".tmp");
    }

    /**
     * Renames a complete temporary file over {@code target}: atomically where the file system can, so a reader sees
     * the old file or the new one, never a mix; a plain replace where it cannot.
     */
    public static void moveOver(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes the temporary files of {@code target} (absolute) whose writing process is gone; best effort. */
    public static void removeLeftovers(Path target) {
        String name = target.getFileName().toString();
        String prefix = "." + name + ".";
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(
                target.getParent(), p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : dir) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches() || !m.group(1).equals(name) || m.group(2).length() > 18) continue;
                if (ProcessHandle.of(Long.parseLong(m.group(2)))
                        .map(ProcessHandle::isAlive)
                        .orElse(false)) continue;
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // a leftover we cannot remove is harmless: nothing reads it
        }
    }
}
