package gpt2j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A made-up byte-level vocabulary for the 300-token "f16" fixture, which has none: id b is byte b,
 * ids 256..281 merge "x b" for x = a..z, ids 282..298 merge "x c" for x = a..q, id 299 is end-of-text.
 */
final class TestVocabulary {

    static final int SIZE = 300;

    private TestVocabulary() {}

    /** Copies the fixture's checkpoint to {@code dir} and writes vocab.json and merges.txt beside it. */
    static Path copyWithVocabulary(String fixture, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Fixtures.model(fixture))) {
            for (Path p : files.toList()) Files.copy(p, dir.resolve(p.getFileName()));
        }
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(byteLevel(b));
        List<String> merges = new ArrayList<>();
        for (int i = 0; i < 43; i++) {
            String first = String.valueOf((char) ('a' + i % 26));
            String second = i < 26 ? "b" : "c";
            tokens.add(first + second);
            merges.add(first + " " + second);
        }
        tokens.add("<|endoftext|>");
        if (tokens.size() != SIZE) throw new AssertionError(tokens.size());
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            entries.add("\"" + tokens.get(i).replace("\\", "\\\\").replace("\"", "\\\"") + "\": " + i);
        }
        Files.writeString(dir.resolve("vocab.json"), "{" + String.join(", ", entries) + "}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        return dir;
    }

    /** The bytes id stands for in this vocabulary. */
    static byte[] bytes(int id) {
        if (id < 256) return new byte[] {(byte) id};
        int i = id - 256;
        return new byte[] {(byte) ('a' + i % 26), (byte) (i < 26 ? 'b' : 'c')};
    }

    /** GPT-2's byte-to-unicode map: printable bytes stand for themselves, the others for U+0100 + their rank. */
    private static String byteLevel(int b) {
        if (printable(b)) return String.valueOf((char) b);
        int rank = 0;
        for (int x = 0; x < b; x++) {
            if (!printable(x)) rank++;
        }
        return String.valueOf((char) (256 + rank));
    }

    private static boolean printable(int b) {
        return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    }
}
