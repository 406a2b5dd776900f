package gpt2j.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encode and decode of about 4 MB of mixed text, ours next to jtokkit's r50k_base, single thread.
 * Run: see tokenizer/README.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class TokenizerBenchmark {
    private static final String[] WORDS = ("the of and to in is was he for it with as his on be at by I this had not are but "
            + "from or have an they which one you were her all she there would their we him been has when who will more "
            + "no if out so said what up its about into than them can only other new some could time these two may then "
            + "do first any my now such like our over man me even most made after also did many before must through back "
            + "government tokenizer throughput benchmark approximately unbelievable Wednesday Zürich naïve").split(" ");
    private static final String[] CODE = {"for (int i = 0; i < n; i++) {\n    sum += a[i] * b[i];\n}\n",
            "def forward(self, x):\n        return self.proj(F.gelu(self.fc(x)))\n", "if (x != null && x.size() > 0) return x.get(0);\n",
            "\t<div class=\"row\"><span>{{ item.name }}</span></div>\r\n"};
    private static final String[] OTHER = {"日本語のテキストも少し混ぜます。", "Съешь же ещё этих мягких французских булок. ",
            "Ο καιρός είναι καλός σήμερα. ", "مرحبا بالعالم ", "नमस्ते दुनिया ", "🙂👍🏽 👩‍💻 ", "2024-06-01 12:34:56 +0200 ",
            "$1,234.56 (≈ €1.100) ", "      \n\n   "};

    private Gpt2Tokenizer ours;
    private Encoding jtokkit;
    private String text;
    private int[] ids;
    private IntArrayList idList;

    /** Prose from common words and made-up ones (so BPE has to merge), code, other scripts, numbers, emoji. */
    static String mixedText(int chars) {
        SplittableRandom r = new SplittableRandom(42);
        StringBuilder sb = new StringBuilder(chars + 1000);
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        while (sb.length() < chars) {
            int kind = r.nextInt(100);
            if (kind < 75) {
                sb.append(WORDS[r.nextInt(WORDS.length)]);
            } else if (kind < 90) {
                int n = 3 + r.nextInt(9);
                for (int i = 0; i < n; i++) {
                    sb.append(letters.charAt(Math.min(r.nextInt(26), r.nextInt(26))));
                }
            } else if (kind < 94) {
                sb.append(CODE[r.nextInt(CODE.length)]);
            } else {
                sb.append(OTHER[r.nextInt(OTHER.length)]);
            }
            int p = r.nextInt(16);
            sb.append(p == 0 ? ". " : p == 1 ? ", " : p == 2 ? ".\n\n" : p == 3 ? "'s " : " ");
        }
        return sb.toString();
    }

    @Setup
    public void setup() {
        ours = Gpt2Tokenizer.gpt2();
        jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        text = mixedText(4_000_000);
        ids = ours.encode(text);
        idList = jtokkit.encodeOrdinary(text);
        if (!Arrays.equals(ids, idList.toArray()) || !ours.decode(ids).equals(jtokkit.decode(idList))) {
            throw new IllegalStateException("the two tokenizers disagree on the benchmark text");
        }
    }

    @Benchmark
    public int[] encodeOurs() {
        return ours.encode(text);
    }

    @Benchmark
    public IntArrayList encodeJtokkit() {
        return jtokkit.encodeOrdinary(text);
    }

    @Benchmark
    public String decodeOurs() {
        return ours.decode(ids);
    }

    @Benchmark
    public String decodeJtokkit() {
        return jtokkit.decode(idList);
    }
}
