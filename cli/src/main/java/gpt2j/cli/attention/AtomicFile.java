package gpt2j.cli.attention;

import gpt2j.weights.TempFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writes a file through a temporary sibling ({@link TempFiles}) and a rename, so a failure never leaves a half-written file. */
public final class AtomicFile {

    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFile() {}

    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) throw new IOException("is a directory: " + target);
        if (dir != null && !Files.isDirectory(dir)) throw new IOException("no such directory: " + dir);
        TempFiles.removeLeftovers(abs);
        Path tmp = TempFiles.beside(abs);
        try {
            try (OutputStream out =
                    Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(out);
            }
            TempFiles.moveOver(tmp, abs);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
