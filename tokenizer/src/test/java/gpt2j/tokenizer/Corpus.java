package gpt2j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic test corpus of varied strings: prose, code, every Unicode script, emoji sequences, whitespace
 * runs, numbers, contractions in all cases, control characters, byte soup decoded as UTF-8, and long runs.
 */
final class Corpus {
    private static final String[] WORDS =
            ("the of and to in is was he for it with as his on be at by I this had not are but "
                            + "from or have an they which one you were her all she there would their we him been has when who will more no "
                            + "if out so said what up its about into than them can only other new some could time these two may then do "
                            + "first any my now such like our over man me even most made after also did many before must through back "
                            + "naïve café Zürich façade résumé jalapeño Ångström coöperate GPT tokenizer byte-level encoder decoder ")
                    .split(" ");
    private static final String[] CONTRACTIONS = {
        "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'VE", "'M", "'LL", "'D", "'Re", "'rE", "'Ve",
        "'Ll", "'lL", "’s", "’ll", "'", "''", "'x", "'l", "'r", "'v"
    };
    private static final String[] CODE = {
        "int main(void) {\n\treturn 0;\n}\n",
        "def f(x):\n    return x ** 2  # square\n",
        "for (int i = 0; i < n; i++) { a[i] += b[i] * c; }",
        "if (x != null && x.y() >= 3) {\r\n    throw new E(\"bad\");\r\n}",
        "const re = /\\s+(?!\\S)/gu; // regex",
        "<div class=\"a\">&nbsp;</div>",
        "SELECT * FROM t WHERE id = 42;",
        "x = {'a': [1, 2.5e-3, None], \"b\": True}",
        "#include <stdio.h>\n",
        "    \t\tindented\n\n\n",
        "::~=>>>=<<=!==...",
        "https://example.com/path?q=1&r=%20x#frag",
        "λx.λy.x y",
        "$ ls -la | grep '^d' > out.txt 2>&1"
    };
    private static final String[] EMOJI = {
        "😀",
        "👍🏽",
        "👩‍👩‍👧‍👦",
        "🏳️‍🌈",
        "🇩🇪",
        "🇺🇸🇯🇵",
        "❤️",
        "1️⃣",
        "🧑🏿‍🚀",
        "👨‍💻",
        "🫠",
        "🤷🏽‍♀️",
        "🐈‍⬛",
        "☺︎",
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
        "🥷",
        "✌🏻"
    };
    private static final String[] SPACES = {
        " ", "  ", "\t", "\n", "\r\n", "\r", "\u000B", "\u000C", "\u0085", "\u00A0", "\u1680", "\u2000", "\u2003",
        "\u2009", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\u200B", "\uFEFF", "\u001C", "\u001F",
        "\u180E"
    };
    private static final String[] NUMBERS = {
        "0",
        "42",
        "3.14159",
        "1,000,000",
        "2024-01-31",
        "٣٤٥",
        "۱۲۳",
        "१२३",
        "１２３",
        "²³",
        "½",
        "Ⅻ",
        "ⅷ",
        "〇",
        "௰",
        "🄂",
        "①②",
        "12345678901234567890",
        "0x7FFF",
        "1e-9",
        "-17"
    };

    private static final Map<Character.UnicodeScript, int[]> SCRIPTS = scripts();

    private final SplittableRandom random;

    Corpus(long seed) {
        random = new SplittableRandom(seed);
    }

    /** Assigned code points of each script (sampled, at most 4096 each). */
    private static Map<Character.UnicodeScript, int[]> scripts() {
        Map<Character.UnicodeScript, List<Integer>> lists = new EnumMap<>(Character.UnicodeScript.class);
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            int type = Character.getType(cp);
            if (type == Character.UNASSIGNED || type == Character.SURROGATE || type == Character.PRIVATE_USE) {
                continue;
            }
            List<Integer> l = lists.computeIfAbsent(Character.UnicodeScript.of(cp), k -> new ArrayList<>());
            if (l.size() < 4096) {
                l.add(cp);
            }
        }
        Map<Character.UnicodeScript, int[]> out = new EnumMap<>(Character.UnicodeScript.class);
        lists.forEach(
                (k, v) -> out.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        return out;
    }

    static List<Character.UnicodeScript> scriptList() {
        return new ArrayList<>(SCRIPTS.keySet());
    }

    /** count strings, cycling through the kinds so each is well represented; all valid UTF-16. */
    List<String> strings(int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(string(i));
        }
        return out;
    }

    String string(int i) {
        return switch (i % 10) {
            case 0 -> prose();
            case 1 -> pick(CODE) + (random.nextBoolean() ? prose() : "");
            case 2 -> script(scriptList().get((i / 10) % SCRIPTS.size()));
            case 3 -> emoji();
            case 4 -> whitespace();
            case 5 -> numbers();
            case 6 -> byteSoup();
            case 7 -> randomCodePoints();
            case 8 -> contractions();
            default -> mixed();
        };
    }

    private String pick(String[] a) {
        return a[random.nextInt(a.length)];
    }

    String prose() {
        StringBuilder sb = new StringBuilder();
        int words = 1 + random.nextInt(30);
        for (int w = 0; w < words; w++) {
            String word = pick(WORDS);
            switch (random.nextInt(8)) {
                case 0 -> word = word.toUpperCase();
                case 1 -> word = word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1);
                case 2 -> word = word + pick(CONTRACTIONS);
                default -> {}
            }
            sb.append(word);
            int p = random.nextInt(20);
            sb.append(
                    p == 0
                            ? ". "
                            : p == 1 ? ", " : p == 2 ? "!\n" : p == 3 ? "?  " : p == 4 ? " - " : p == 5 ? "\n\n" : " ");
        }
        return random.nextBoolean() ? sb.toString().strip() : sb.toString();
    }

    String script(Character.UnicodeScript script) {
        int[] cps = SCRIPTS.get(script);
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(40);
        for (int k = 0; k < n; k++) {
            sb.appendCodePoint(cps[random.nextInt(cps.length)]);
            if (random.nextInt(6) == 0) {
                sb.append(random.nextInt(4) == 0 ? pick(SPACES) : " ");
            }
        }
        return sb.toString();
    }

    String emoji() {
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(8);
        for (int k = 0; k < n; k++) {
            sb.append(pick(EMOJI));
            if (random.nextInt(3) == 0) {
                sb.append(random.nextBoolean() ? " " : pick(WORDS));
            }
        }
        return sb.toString();
    }

    String whitespace() {
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(12);
        for (int k = 0; k < n; k++) {
            sb.append(random.nextInt(3) == 0 ? pick(WORDS) : pick(SPACES));
        }
        return sb.toString();
    }

    String numbers() {
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(8);
        for (int k = 0; k < n; k++) {
            sb.append(pick(NUMBERS));
            sb.append(random.nextBoolean() ? " " : random.nextBoolean() ? "" : pick(WORDS));
        }
        return sb.toString();
    }

    /** Random bytes read as UTF-8: malformed parts become U+FFFD, the rest is whatever decodes. */
    String byteSoup() {
        byte[] b = new byte[1 + random.nextInt(64)];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (random.nextInt(3) == 0 ? 0x20 + random.nextInt(0x60) : random.nextInt(256));
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Any code point except surrogates, including unassigned, private use and controls. */
    String randomCodePoints() {
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(24);
        for (int k = 0; k < n; k++) {
            int cp;
            do {
                cp = random.nextInt(4) == 0
                        ? random.nextInt(0x80)
                        : random.nextInt(4) == 0
                                ? random.nextInt(0x3000)
                                : random.nextInt(Character.MAX_CODE_POINT + 1);
            } while (Character.getType(cp) == Character.SURROGATE);
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    String contractions() {
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(10);
        for (int k = 0; k < n; k++) {
            int r = random.nextInt(5);
            sb.append(r == 0 ? " " : r == 1 ? pick(WORDS) : r == 2 ? "!" : "").append(pick(CONTRACTIONS));
        }
        return sb.toString();
    }

    String mixed() {
        StringBuilder sb = new StringBuilder();
        int n = 2 + random.nextInt(6);
        for (int k = 0; k < n; k++) {
            sb.append(
                    switch (random.nextInt(9)) {
                        case 0 -> prose();
                        case 1 -> pick(CODE);
                        case 2 -> script(scriptList().get(random.nextInt(SCRIPTS.size())));
                        case 3 -> emoji();
                        case 4 -> whitespace();
                        case 5 -> numbers();
                        case 6 -> "<|endoftext|>";
                        case 7 -> contractions();
                        default -> byteSoup();
                    });
        }
        return sb.toString();
    }

    /** Long runs that exercise the long-piece merge path and the pre-tokenizer's run handling. */
    List<String> longStrings() {
        List<String> out = new ArrayList<>();
        String[] units = {"a", "ab", "xyz", "the", "é", "日本", "🙂", "1", "12", "!", "=-", "\t", " ", "\n", " a", "A'S"};
        for (String unit : units) {
            for (int len : new int[] {129, 500, 3000}) {
                out.add(unit.repeat(len / unit.length() + 1));
            }
        }
        for (int k = 0; k < 40; k++) {
            StringBuilder sb = new StringBuilder();
            int n = 200 + random.nextInt(4000);
            String alphabet = k % 2 == 0 ? "abcdefghijklmnopqrstuvwxyz" : "etaoinshrdlu";
            for (int j = 0; j < n; j++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** Strings with lone surrogates mixed in (invalid UTF-16). */
    String withLoneSurrogates() {
        StringBuilder sb = new StringBuilder(prose());
        int n = 1 + random.nextInt(4);
        for (int k = 0; k < n; k++) {
            int at = random.nextInt(sb.length() + 1);
            char s = (char) (random.nextBoolean() ? 0xD800 + random.nextInt(0x400) : 0xDC00 + random.nextInt(0x400));
            sb.insert(at, s);
        }
        return sb.toString();
    }

    /** Lone surrogates as U+FFFD: what tiktoken encodes for such a string. */
    static String replaceLoneSurrogates(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            sb.appendCodePoint(Character.getType(cp) == Character.SURROGATE ? 0xFFFD : cp);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }
}
