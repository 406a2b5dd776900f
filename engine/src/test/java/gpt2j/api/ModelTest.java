package gpt2j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The front door against the float64 reference of tools/make_fixtures.py (f32-hf: logits at every position, greedy
 * continuation, NLL) and against itself where the point is consistency (sessions side by side, forks, threads).
 */
class ModelTest {

    static final Path FIXTURE = Path.of("src/test/resources/fixtures/f32-hf");
    static JsonNode json;
    static int[] tokens;
    static float[] reference; // [T, vocab]
    static int vocab;
    static Model model;

    @BeforeAll
    static void open() throws IOException {
        json = new ObjectMapper().readTree(FIXTURE.resolve("fixture.json").toFile());
        tokens = ints(json.get("tokens"));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(FIXTURE.resolve("logits.f32")))
                .order(ByteOrder.LITTLE_ENDIAN);
        reference = new float[b.remaining() / 4];
        b.asFloatBuffer().get(reference);
        vocab = json.get("config").get("vocab_size").asInt();
        model = Model.open(
                FIXTURE.resolve("model"), ModelOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    static double referenceLogProb(int position, int id) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int v = 0; v < vocab; v++) max = Math.max(max, reference[position * vocab + v]);
        for (int v = 0; v < vocab; v++) sum += Math.exp(reference[position * vocab + v] - max);
        return reference[position * vocab + id] - max - Math.log(sum);
    }

    @Test
    void greedyCompletionIsTheReferenceContinuation() {
        int[] expected = ints(json.get("greedy").get("new_tokens"));
        List<Integer> streamed = new ArrayList<>();
        Completion c = model.complete(
                tokens,
                CompletionOptions.greedy().toBuilder()
                        .maxTokens(expected.length)
                        .build(),
                (id, text) -> streamed.add(id));
        assertArrayEquals(expected, c.tokens());
        assertEquals(Completion.StopReason.MAX_TOKENS, c.stopReason());
        assertEquals(expected.length, streamed.size());
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], streamed.get(i));
        assertArrayEquals(tokens, c.promptTokens());
        assertEquals(null, c.text(), "the fixture has no tokenizer");
        assertFalse(model.hasTokenizer());
        assertThrows(IllegalStateException.class, () -> model.tokenize("x"));
    }

    @Test
    void listenerStopsAndContextBounds() {
        Completion c = model.complete(
                tokens, CompletionOptions.greedy().toBuilder().maxTokens(10).build(), (id, text) -> false);
        assertEquals(1, c.tokens().length);
        assertEquals(Completion.StopReason.LISTENER, c.stopReason());
        int context = model.contextLength();
        Completion full = model.complete(
                tokens, CompletionOptions.greedy().toBuilder().maxTokens(1000).build(), (id, text) -> true);
        assertEquals(context - tokens.length, full.tokens().length);
        assertEquals(Completion.StopReason.CONTEXT_FULL, full.stopReason());
        assertThrows(
                IllegalArgumentException.class,
                () -> model.complete(new int[context + 1], CompletionOptions.greedy(), (id, text) -> true));
        assertThrows(
                IllegalArgumentException.class,
                () -> model.complete(new int[] {vocab}, CompletionOptions.greedy(), (id, text) -> true));
    }

    @Test
    void scoreGivesTheReferenceLogProbabilitiesAndPerplexity() {
        Scores s = model.score(tokens, ScoreOptions.builder().topLogProbs(3).build());
        assertEquals(tokens.length - 1, s.scored().size());
        assertEquals(json.get("nll").get("mean").asDouble(), s.nll(), 1e-4);
        assertEquals(Math.exp(s.nll()), s.perplexity(), 1e-9 * s.perplexity());
        for (TokenScore t : s.scored()) {
            assertEquals(tokens[t.index()], t.id());
            assertEquals(referenceLogProb(t.index() - 1, t.id()), t.logProb(), 1e-3);
            assertEquals(3, t.top().size());
            // The reference's three largest logits at the position, in order.
            int p = t.index() - 1;
            Integer[] order = new Integer[vocab];
            for (int v = 0; v < vocab; v++) order[v] = v;
            java.util.Arrays.sort(order, (a, b) -> Float.compare(reference[p * vocab + b], reference[p * vocab + a]));
            for (int k = 0; k < 3; k++) {
                assertEquals(order[k], t.top().get(k).id(), "position " + p + " rank " + k);
                assertEquals(referenceLogProb(p, order[k]), t.top().get(k).logProb(), 1e-3);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> model.score(new int[] {1}, ScoreOptions.defaults()));
    }

    @Test
    void scoreReportsEachChunkWithARunningPerplexity() {
        List<double[]> calls = new ArrayList<>();
        // Windows of 8 tokens: [0, 8) scores tokens 1-7, [8, 16) 9-15, [16, 24) 17-23.
        Scores s = model.score(
                tokens,
                ScoreOptions.builder().context(8).build(),
                (scored, total, perplexity) -> calls.add(new double[] {scored, total, perplexity}));
        assertEquals(3, calls.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(7 * (i + 1), calls.get(i)[0]);
            assertEquals(21, calls.get(i)[1]);
        }
        assertEquals(21, s.scored().size());
        assertEquals(s.perplexity(), calls.get(2)[2]); // the last running value is the result, exactly
        // The first window starts at 0, so its tokens see the reference's context: its perplexity is the reference's.
        double nll = 0;
        for (int i = 1; i < 8; i++) nll -= referenceLogProb(i - 1, tokens[i]);
        assertEquals(Math.exp(nll / 7), calls.get(0)[2], 1e-4 * calls.get(0)[2]);
        List<Integer> whole = new ArrayList<>();
        model.score(tokens, ScoreOptions.defaults(), (scored, total, perplexity) -> whole.add(scored));
        assertEquals(List.of(tokens.length - 1), whole);
    }

    @Test
    void sessionsRunSideBySideAndForksAreIndependent() {
        Session a = model.newSession(), b = model.newSession(32);
        int half = tokens.length / 2;
        a.append(java.util.Arrays.copyOf(tokens, half));
        b.append(tokens[0]);
        Session fork = a.fork();
        for (int i = half; i < tokens.length; i++) a.append(tokens[i]);
        b.append(java.util.Arrays.copyOfRange(tokens, 1, tokens.length));
        assertClose(tokens.length - 1, a.logits());
        assertClose(tokens.length - 1, b.logits());
        assertClose(half - 1, fork.logits()); // unchanged by a's appends
        fork.append(java.util.Arrays.copyOfRange(tokens, half, tokens.length));
        assertArrayEquals(a.logits(), fork.logits()); // same kernels, same order: the same bits
        assertArrayEquals(tokens, fork.tokens());
        assertEquals(referenceLogProb(tokens.length - 1, 7), a.logProb(7), 1e-3);
        double[] lp = a.logProbs();
        double total = 0;
        for (double x : lp) total += Math.exp(x);
        assertEquals(1, total, 1e-9);

        a.rewind(half);
        assertThrows(IllegalStateException.class, a::logits);
        a.append(java.util.Arrays.copyOfRange(tokens, half, tokens.length));
        assertArrayEquals(fork.logits(), a.logits());
        assertThrows(IllegalArgumentException.class, () -> b.append(new int[40]));
    }

    @Test
    void sessionsOnSeveralThreadsGiveWhatOneThreadGives() throws Exception {
        float[] alone = runSession();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) results.add(pool.submit(ModelTest::runSession));
            for (Future<float[]> f : results) assertArrayEquals(alone, f.get());
        } finally {
            pool.shutdown();
        }
    }

    private static float[] runSession() {
        Session s = model.newSession();
        s.append(tokens);
        for (int i = 0; i < 8; i++) s.append(s.argmax());
        return s.logits();
    }

    @Test
    void seededSamplingRepeatsAndSamplerDrivesASession() {
        CompletionOptions options = CompletionOptions.builder()
                .seed(7)
                .maxTokens(12)
                .temperature(1.5f)
                .build();
        Completion first = model.complete(tokens, options, (id, text) -> true);
        Completion second = model.complete(tokens, options, (id, text) -> true);
        assertArrayEquals(first.tokens(), second.tokens());
        // The same choices by hand through a session and a sampler.
        Session s = model.newSession();
        TokenSampler sampler = model.sampler(options);
        s.append(tokens);
        sampler.accept(tokens);
        int[] byHand = new int[first.tokens().length];
        for (int i = 0; i < byHand.length; i++) {
            byHand[i] = s.sample(sampler);
            sampler.accept(byHand[i]);
            s.append(byHand[i]);
        }
        assertArrayEquals(first.tokens(), byHand);
    }

    @Test
    void infoDescribesTheCheckpoint() throws IOException {
        ModelInfo info = model.info();
        assertEquals("safetensors", info.format());
        assertEquals(json.get("config").get("n_layer").asInt(), info.layers());
        assertEquals(json.get("config").get("n_head").asInt(), info.heads());
        assertEquals(vocab, info.vocab());
        assertEquals(List.of("F32"), info.matrixTypes());
        assertEquals(Files.size(FIXTURE.resolve("model/model.safetensors")), info.fileBytes(), 0);
    }

    @Test
    void attentionRowsAreDistributions() {
        AttentionMap map = model.attention(tokens);
        assertEquals(json.get("config").get("n_layer").asInt(), map.layers());
        float[][] head = map.weights()[1][2];
        for (int q = 0; q < tokens.length; q++) {
            double sum = 0;
            for (int k = 0; k < tokens.length; k++) {
                if (k > q) assertEquals(0f, head[q][k]);
                sum += head[q][k];
            }
            assertEquals(1, sum, 1e-5);
        }
        assertEquals(map.layers() * map.heads(), model.headStats(map).size());
    }

    /**
     * The end-of-text token ends a completion and is neither returned nor passed on. The f16 fixture's float64 greedy
     * continuation is 118 118 78 78 270 ...; given a vocabulary in which id 270 is {@code <|endoftext|>}, the
     * completion must stop there, after 4 tokens.
     */
    @Test
    void endOfTextStopsACompletionAndIsNotReturned(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path f16 = Path.of("src/test/resources/fixtures/f16");
        JsonNode fixture =
                new ObjectMapper().readTree(f16.resolve("fixture.json").toFile());
        int[] greedy = ints(fixture.get("greedy").get("new_tokens"));
        int eot = greedy[4];
        assertEquals(
                4,
                java.util.Arrays.stream(greedy, 0, 4)
                        .filter(t -> t != eot && t < 256)
                        .count());
        try (var files = Files.list(f16.resolve("model"))) {
            for (Path p : files.toList()) Files.copy(p, dir.resolve(p.getFileName()));
        }
        writeVocabulary(dir, fixture.get("config").get("vocab_size").asInt(), eot);
        try (Model m = Model.open(dir, ModelOptions.builder().threads(1).build())) {
            assertEquals(eot, m.endOfTextId());
            List<Integer> streamed = new ArrayList<>();
            CompletionOptions options = CompletionOptions.greedy().toBuilder()
                    .maxTokens(greedy.length)
                    .build();
            Completion c = m.complete(ints(fixture.get("tokens")), options, (id, text) -> streamed.add(id));
            assertArrayEquals(java.util.Arrays.copyOf(greedy, 4), c.tokens());
            assertEquals(Completion.StopReason.END_OF_TEXT, c.stopReason());
            assertEquals(List.of(greedy[0], greedy[1], greedy[2], greedy[3]), streamed);
            // Byte tokens of ASCII letters.
            StringBuilder letters = new StringBuilder();
            for (int i = 0; i < 4; i++) letters.append((char) greedy[i]);
            assertEquals(letters.toString(), c.text());
        }
    }

    /**
     * A byte-level vocabulary of {@code size} tokens: ids 0..255 the bytes, then merges of two ASCII letters, and
     * {@code <|endoftext|>} at {@code eot} (which must be above 255).
     */
    private static void writeVocabulary(Path dir, int size, int eot) throws IOException {
        List<String> tokens = new ArrayList<>(), merges = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(byteLevel(b));
        for (int i = 0; tokens.size() < size; i++) {
            if (tokens.size() == eot) {
                tokens.add("<|endoftext|>");
                continue;
            }
            String first = String.valueOf((char) ('a' + i % 26)), second = String.valueOf((char) ('b' + i / 26));
            tokens.add(first + second);
            merges.add(first + " " + second);
        }
        StringBuilder vocab = new StringBuilder("{");
        for (int i = 0; i < tokens.size(); i++) {
            String key = new ObjectMapper().writeValueAsString(tokens.get(i));
            vocab.append(i == 0 ? "" : ", ").append(key).append(": ").append(i);
        }
        Files.writeString(dir.resolve("vocab.json"), vocab.append("}").toString());
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
    }

    // GPT-2's byte-to-unicode map: printable bytes stand for themselves, the others for U+0100 + their rank.
    private static String byteLevel(int b) {
        if (printable(b)) return String.valueOf((char) b);
        int rank = 0;
        for (int x = 0; x < b; x++) if (!printable(x)) rank++;
        return String.valueOf((char) (256 + rank));
    }

    private static boolean printable(int b) {
        return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    }

    @Test
    void optionsAreCheckedWhenBuilt() {
        assertThrows(
                IllegalArgumentException.class,
                () -> CompletionOptions.builder().topP(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> CompletionOptions.builder().temperature(-1).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> CompletionOptions.builder().stop("").build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelOptions.builder().threads(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ScoreOptions.builder().context(8).stride(9).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> Model.open(
                        FIXTURE.resolve("model").toString(),
                        ModelOptions.builder().weightType("q3").build()));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Model.open("/no/such/dir/model.gguf"));
        assertTrue(e.getMessage().contains("/no/such/dir/model.gguf"), e.getMessage());
    }

    @Test
    void aClosedModelRefusesEveryCall() {
        Model m = Model.open(
                FIXTURE.resolve("model").toString(),
                ModelOptions.builder().threads(1).weightType("q8_0").build());
        Session s = m.newSession();
        s.append(tokens[0]);
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> s.append(tokens[1]));
        assertThrows(IllegalStateException.class, s::logits);
        assertThrows(IllegalStateException.class, m::newSession);
        assertThrows(
                IllegalStateException.class, () -> m.complete(tokens, CompletionOptions.greedy(), (id, t) -> true));
    }

    private static void assertClose(int position, float[] actual) {
        double max = 0, diff = 0;
        for (int v = 0; v < vocab; v++) {
            double ref = reference[position * vocab + v];
            max = Math.max(max, Math.abs(ref));
            diff = Math.max(diff, Math.abs(ref - actual[v]));
        }
        assertTrue(diff <= 1e-4 * max, "position " + position + ": max diff " + diff);
    }
}
