package gpt2j.weights;

import static gpt2j.weights.TestCheckpoints.Raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCheckpointTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int V = 40, C = 8, E = 16, L = 2, H = 2;
    static final List<String> ORDER = TestCheckpoints.order(V, C, E, L);

    @TempDir
    Path dir;

    @Test
    void originalNamingF32IsMappedInPlace() throws IOException {
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d)) {
            Gpt2Weights w = ck.weights();
            assertEquals(
                    Gpt2Config.builder()
                            .vocabSize(V)
                            .contextLength(C)
                            .embeddingSize(E)
                            .layerCount(L)
                            .headCount(H)
                            .build(),
                    w.config());
            assertEquals("safetensors", ck.format());
            assertNull(ck.tokenizer());
            assertEquals(Files.size(d.resolve("model.safetensors")), ck.fileBytes());
            assertEquals(Map.of(GgmlType.F32, ORDER.size()), ck.sourceTypes());
            assertTrue(w.layers().get(1).qkv().tensor().data().isMapped(), "F32 is zero-copy");
            assertSame(w.tokenEmbedding(), w.head().tensor(), "head tied to wte");
            checkValues(w, v -> v);
        }
    }

    @Test
    void savePretrainedNamingWithHeadAndMaskBuffers() throws IOException {
        Map<String, Raw> t = TestCheckpoints.hfTensors(V, C, E, L, "F32", "transformer.");
        for (int i = 0; i < L; i++) {
            t.put("transformer.h." + i + ".attn.bias", TestCheckpoints.f32(99, 1, 1, C, C));
            t.put("transformer.h." + i + ".attn.masked_bias", TestCheckpoints.f32(99));
        }
        t.put("lm_head.weight", TestCheckpoints.f32(77, V, E));
        Path d = TestCheckpoints.writeHfDir(dir.resolve("m"), V, C, E, L, H, t);
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d)) {
            assertSame(
                    ck.weights().tokenEmbedding(), ck.weights().head().tensor(), "tied by default, as in transformers");
        }
        Files.writeString(d.resolve("config.json"), untied(TestCheckpoints.configJson(V, C, E, L, H)));
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d)) {
            Gpt2Weights w = ck.weights();
            checkValues(w, v -> v);
            assertEquals("lm_head.weight", w.head().tensor().name());
            assertEquals(TestCheckpoints.value(77, 5 * E + 3), get(w.head().tensor(), 5 * E + 3));
        }
    }

    @Test
    void f16AndBf16AreConvertedToF32() throws IOException {
        Path d16 = TestCheckpoints.writeHfDir(
                dir.resolve("h"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F16", ""));
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d16)) {
            assertEquals(Map.of(GgmlType.F16, ORDER.size()), ck.sourceTypes());
            assertFalse(ck.weights().layers().get(0).mlpUp().tensor().data().isMapped());
            checkValues(ck.weights(), v -> Float.float16ToFloat(Float.floatToFloat16(v)));
        }
        Path dbf = TestCheckpoints.writeHfDir(
                dir.resolve("b"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "BF16", ""));
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(dbf)) {
            checkValues(ck.weights(), v -> Float.intBitsToFloat(Float.floatToIntBits(v) & 0xFFFF0000));
        }
    }

    @Test
    void shardedIndex() throws IOException {
        Map<String, Raw> all = TestCheckpoints.hfTensors(V, C, E, L, "F32", "transformer.");
        Path d = dir.resolve("m");
        Files.createDirectories(d);
        Files.writeString(d.resolve("config.json"), TestCheckpoints.configJson(V, C, E, L, H));
        Map<String, Raw> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        int i = 0;
        for (Map.Entry<String, Raw> e : all.entrySet()) {
            String file = i < all.size() / 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (i < all.size() / 2 ? a : b).put(e.getKey(), e.getValue());
            index.append(i++ == 0 ? "" : ",")
                    .append('"')
                    .append(e.getKey())
                    .append("\":\"")
                    .append(file)
                    .append('"');
        }
        Files.writeString(d.resolve("model.safetensors.index.json"), index.append("}}"));
        TestCheckpoints.writeSafetensors(d.resolve("model-00001-of-00002.safetensors"), a);
        TestCheckpoints.writeSafetensors(d.resolve("model-00002-of-00002.safetensors"), b);
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d)) {
            checkValues(ck.weights(), v -> v);
            assertEquals(
                    Files.size(d.resolve("model-00001-of-00002.safetensors"))
                            + Files.size(d.resolve("model-00002-of-00002.safetensors")),
                    ck.fileBytes());
        }
        Files.writeString(
                d.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"wte.weight\":\"../x.safetensors\"}}");
        assertMessage(d, "shard name '../x.safetensors' is not a file name");
    }

    /** Directories written by torch through tools/make_weights_fixtures.py, an independent writer. */
    @Test
    void readsCheckpointsWrittenByTorch() throws Exception {
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(resource("/hf/tiny-openai-f32"))) {
            assertEquals(
                    Gpt2Config.builder()
                            .vocabSize(V)
                            .contextLength(C)
                            .embeddingSize(E)
                            .layerCount(L)
                            .headCount(H)
                            .build(),
                    ck.weights().config());
            checkValues(ck.weights(), v -> v);
            assertSame(ck.weights().tokenEmbedding(), ck.weights().head().tensor());
        }
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(resource("/hf/tiny-sharded-f16"))) {
            checkValues(ck.weights(), v -> Float.float16ToFloat(Float.floatToFloat16(v)));
            // tie_word_embeddings true: transformers ties the head to wte whatever lm_head.weight holds.
            assertSame(ck.weights().tokenEmbedding(), ck.weights().head().tensor());
            assertEquals(Map.of(GgmlType.F16, ORDER.size() + 1), ck.sourceTypes());
        }
    }

    static Path resource(String name) throws java.net.URISyntaxException {
        return Path.of(HfCheckpointTest.class.getResource(name).toURI());
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() throws IOException {
        Map<String, Raw> t = TestCheckpoints.hfTensors(V, C, E, L, "F32", "");
        t.put("h.1.mlp.c_fc.weight", TestCheckpoints.f32(3, 4L * E, E)); // transposed: nn.Linear layout
        Path d = TestCheckpoints.writeHfDir(dir.resolve("m"), V, C, E, L, H, t);
        assertMessage(d, "tensor h.1.mlp.c_fc.weight has shape [64, 16] but config.json implies [16, 64]");
    }

    @Test
    void configDisagreeingWithTensors() throws IOException {
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
        Files.writeString(d.resolve("config.json"), TestCheckpoints.configJson(V + 1, C, E, L, H));
        assertMessage(d, "tensor wte.weight has shape [40, 16] but config.json implies [41, 16]");
        Files.writeString(d.resolve("config.json"), TestCheckpoints.configJson(V, C, E, L + 1, H));
        assertMessage(d, "missing tensor h.2.ln_1.weight");
    }

    @Test
    void missingTensor() throws IOException {
        Map<String, Raw> t = TestCheckpoints.hfTensors(V, C, E, L, "F32", "transformer.");
        t.remove("transformer.h.0.attn.c_proj.bias");
        Path d = TestCheckpoints.writeHfDir(dir.resolve("m"), V, C, E, L, H, t);
        assertMessage(d, "missing tensor transformer.h.0.attn.c_proj.bias");
    }

    @Test
    void badConfigs() throws IOException {
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
        Files.writeString(d.resolve("config.json"), "{\"vocab_size\":40,\"n_positions\":8,\"n_embd\":16,\"n_head\":2}");
        assertMessage(d, "missing n_layer");
        Files.writeString(
                d.resolve("config.json"),
                "{\"n_vocab\":40,\"n_ctx\":8,\"n_embd\":16,\"n_layer\":\"two\",\"n_head\":2}");
        assertMessage(d, "n_layer must be a positive integer");
        Files.writeString(
                d.resolve("config.json"),
                TestCheckpoints.configJson(V, C, E, L, H).replace("gelu_new", "relu6"));
        assertMessage(d, "activation_function \"relu6\" is not supported (gpt2j computes gelu_new, gelu_pytorch_tanh");
        Files.writeString(d.resolve("config.json"), TestCheckpoints.configJson(V, C, E, L, 3));
        assertMessage(d, "n_embd 16 is not divisible by n_head 3");
        Files.writeString(d.resolve("config.json"), "{not json");
        assertMessage(d, "not valid JSON");
        Files.delete(d.resolve("config.json"));
        assertMessage(d, "config.json: file not found");
        assertMessage(dir.resolve("absent"), "no such file or directory");
    }

    /** Each config that is not plain GPT-2 math is refused in one line that names the field and its value. */
    @Test
    void refusalsNameTheField() throws IOException {
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
        String plain = TestCheckpoints.configJson(V, C, E, L, H);
        Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put(
                "\"auto_map\":{\"AutoModelForCausalLM\":\"modeling.MyGPT\"}",
                "auto_map names custom model code {\"AutoModelForCausalLM\":\"modeling.MyGPT\"}");
        refusals.put("\"attention_head_type\":\"multiquery\"", "attention_head_type is \"multiquery\"");
        refusals.put(
                "\"architectures\":[\"GPT2ForSequenceClassification\"]",
                "architectures names \"GPT2ForSequenceClassification\", which is not a language-model head");
        refusals.put("\"activation_function\":\"mish\"", "activation_function \"mish\" is not supported");
        refusals.put("\"scale_attn_weights\":\"yes\"", "scale_attn_weights must be true or false, got \"yes\"");
        refusals.put("\"scale_attn_by_inverse_layer_idx\":1", "scale_attn_by_inverse_layer_idx must be true or false");
        refusals.put("\"n_inner\":0", "n_inner must be a positive integer, got 0");
        refusals.put("\"layer_norm_epsilon\":0", "layer_norm_epsilon must be positive");
        for (Map.Entry<String, String> r : refusals.entrySet()) {
            // later keys win in Jackson's tree, so appending overrides the plain value
            Files.writeString(
                    d.resolve("config.json"), plain.substring(0, plain.length() - 1) + "," + r.getKey() + "}");
            assertMessage(d, r.getValue());
        }
        Files.writeString(d.resolve("config.json"), plain.substring(0, plain.length() - 1) + ",\"n_inner\":48}");
        assertMessage(
                d,
                "tensor h.0.mlp.c_fc.weight has shape [16, 64] but config.json implies [16, 48] (n_inner 48, n_embd 16)");
        Files.writeString(d.resolve("config.json"), untied(plain));
        assertMessage(d, "config.json sets tie_word_embeddings to false but there is no lm_head.weight");
    }

    @Test
    void readsEveryFieldThatChangesTheMath() throws IOException {
        String plain = TestCheckpoints.configJson(V, C, E, L, H);
        Gpt2Config c = HfConfig.parse("c", plain);
        assertEquals(4 * E, c.innerSize());
        assertEquals(Activation.GELU_TANH, c.activation());
        assertTrue(c.scaleAttnWeights());
        assertFalse(c.scaleAttnByInverseLayerIdx());
        assertEquals((float) (1 / Math.sqrt(E / H)), c.attentionScale(1));
        c = HfConfig.parse(
                "c",
                plain.substring(0, plain.length() - 1) + ",\"n_inner\":37,\"layer_norm_epsilon\":0.25,"
                        + "\"scale_attn_weights\":false,\"scale_attn_by_inverse_layer_idx\":true,\"reorder_and_upcast_attn\":true,"
                        + "\"architectures\":[\"GPT2LMHeadModel\"]}");
        assertEquals(37, c.innerSize());
        assertEquals(0.25f, c.layerNormEpsilon());
        assertEquals(1f / 3, c.attentionScale(2));
        c = HfConfig.parse("c", plain.substring(0, plain.length() - 1) + ",\"scale_attn_by_inverse_layer_idx\":true}");
        assertEquals((float) (1 / Math.sqrt(E / H) / 2), c.attentionScale(1));
        c = HfConfig.parse("c", plain.substring(0, plain.length() - 1) + ",\"n_inner\":null}");
        assertEquals(4 * E, c.innerSize());
        Map<String, Activation> names = Map.ofEntries(
                Map.entry("gelu_new", Activation.GELU_TANH),
                Map.entry("gelu_pytorch_tanh", Activation.GELU_TANH),
                Map.entry("gelu_fast", Activation.GELU_TANH),
                Map.entry("gelu_accurate", Activation.GELU_TANH),
                Map.entry("gelu", Activation.GELU_ERF),
                Map.entry("gelu_python", Activation.GELU_ERF),
                Map.entry("quick_gelu", Activation.QUICK_GELU),
                Map.entry("relu", Activation.RELU),
                Map.entry("silu", Activation.SILU),
                Map.entry("swish", Activation.SILU),
                Map.entry("tanh", Activation.TANH));
        for (Map.Entry<String, Activation> n : names.entrySet()) {
            assertEquals(
                    n.getValue(),
                    HfConfig.parse("c", plain.replace("gelu_new", n.getKey())).activation(),
                    n.getKey());
        }
    }

    private static String untied(String config) {
        return config.substring(0, config.length() - 1) + ",\"tie_word_embeddings\":false}";
    }

    @Test
    void safetensorsFileInsideADirectory() throws IOException {
        Path d = TestCheckpoints.writeHfDir(
                dir.resolve("m"), V, C, E, L, H, TestCheckpoints.hfTensors(V, C, E, L, "F32", ""));
        try (LoadedCheckpoint ck = Gpt2Checkpoint.open(d.resolve("model.safetensors"))) {
            checkValues(ck.weights(), v -> v);
            assertEquals(List.of(d.resolve("model.safetensors")), ck.files());
        }
        Path other = Files.writeString(dir.resolve("weights.npz"), "x");
        assertMessage(other, "expected a Hugging Face model directory or a .gguf file");
    }

    @Test
    void directoryWithoutWeights() throws IOException {
        Path d = dir.resolve("m");
        Files.createDirectories(d);
        Files.writeString(d.resolve("config.json"), TestCheckpoints.configJson(V, C, E, L, H));
        assertMessage(d, "no model.safetensors, pytorch_model.bin or their .index.json");
    }

    /** Every canonical tensor holds the values written for its HF counterpart, with Conv1D [in, out] read correctly. */
    private static void checkValues(Gpt2Weights w, java.util.function.UnaryOperator<Float> stored) {
        checkTensor(w.tokenEmbedding(), "wte.weight", stored);
        checkTensor(w.positionEmbedding(), "wpe.weight", stored);
        checkTensor(w.finalNormBias(), "ln_f.bias", stored);
        for (int i = 0; i < L; i++) {
            Gpt2Weights.Layer l = w.layers().get(i);
            String p = "h." + i + ".";
            checkTensor(l.attnNormWeight(), p + "ln_1.weight", stored);
            checkTensor(l.mlpDownBias(), p + "mlp.c_proj.bias", stored);
            checkConv1d(l.qkv(), p + "attn.c_attn.weight", 3 * E, E, stored);
            checkConv1d(l.attnOut(), p + "attn.c_proj.weight", E, E, stored);
            checkConv1d(l.mlpUp(), p + "mlp.c_fc.weight", 4 * E, E, stored);
            checkConv1d(l.mlpDown(), p + "mlp.c_proj.weight", E, 4 * E, stored);
        }
    }

    private static void checkTensor(Tensor t, String hfName, java.util.function.UnaryOperator<Float> stored) {
        assertEquals(GgmlType.F32, t.type());
        int k = ORDER.indexOf(hfName);
        for (long i = 0; i < t.size(); i++) assertEquals(stored.apply(TestCheckpoints.value(k, i)), get(t, i), hfName);
    }

    private static void checkConv1d(
            WeightMatrix m, String hfName, int rows, int cols, java.util.function.UnaryOperator<Float> stored) {
        assertEquals(rows, m.rows());
        assertEquals(cols, m.cols());
        assertTrue(m.inputMajor());
        int k = ORDER.indexOf(hfName);
        // W[out r][in c] is Conv1D weight[c][r], the element c*rows + r of the stored tensor
        for (int r = 0; r < rows; r += 7) {
            for (int c = 0; c < cols; c += 5) {
                assertEquals(
                        stored.apply(TestCheckpoints.value(k, (long) c * rows + r)),
                        get(m.tensor(), (long) c * rows + r));
            }
        }
    }

    static float get(Tensor t, long i) {
        return t.data().getAtIndex(F32, i);
    }

    private static void assertMessage(Path p, String expected) {
        WeightsException e = assertThrows(
                WeightsException.class, () -> Gpt2Checkpoint.open(p).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
