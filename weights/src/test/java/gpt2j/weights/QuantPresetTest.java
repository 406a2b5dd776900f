package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * gpt2j's quantize against llama-quantize's output for every preset, on the two GPT-2-shaped models of
 * tools/ggml/quant_presets.py (n_embd 256 with 2 layers; n_embd 64 with 16 layers, where rows of 64 take the
 * fallback types): the same type for every tensor, the same general.file_type, and tensor data whose sha256 equals
 * that of llama-quantize's bytes. The models are rebuilt here from the script's splitmix64 values.
 */
class QuantPresetTest {

    private static JsonNode fixture;
    private static final Map<String, Gpt2Weights> MODELS = new java.util.HashMap<>();
    private static final Arena ARENA = Arena.ofShared();

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        fixture = new ObjectMapper().readTree(QuantizerTest.resource("presets.json"));
    }

    @ParameterizedTest
    @EnumSource(
            value = QuantPreset.class,
            mode = EnumSource.Mode.EXCLUDE,
            names = {"F32", "F16"})
    void eachTensorAsLlamaQuantizeWritesIt(QuantPreset preset) throws IOException {
        for (String model : List.of("w256", "w64")) {
            compare(model, preset.name(), preset, false);
        }
    }

    @Test
    void pureKeepsOneTypeOrRefuses() throws IOException {
        for (String model : List.of("w256", "w64")) {
            compare(model, "pure Q4_K_M", QuantPreset.Q4_K_M, true);
            compare(model, "pure Q3_K_S", QuantPreset.Q3_K_S, true);
        }
    }

    @Test
    void rulesByLayerAsLlamaQuantCpp() {
        // use_more_bits for 16 layers: 0, 1 (first eighth), 14, 15 (last eighth), and 4, 7, 10, 13 between
        List<Integer> more = new ArrayList<>();
        for (int i = 0; i < 16; i++) if (QuantPreset.moreBits(i, 16)) more.add(i);
        assertEquals(List.of(0, 1, 4, 7, 10, 13, 14, 15), more);
        // a head that fits no block: Q8_0, and token_embd is the head when output.weight is left out
        assertEquals(GgmlType.Q6_K, QuantPreset.Q4_K_M.typeOf("token_embd.weight", -1, 12, 768, false, false));
        assertEquals(GgmlType.Q4_K, QuantPreset.Q4_K_M.typeOf("token_embd.weight", -1, 12, 768, true, false));
        WeightsException e = assertThrows(
                WeightsException.class, () -> QuantPreset.Q4_0.typeOf("blk.0.ffn_up.weight", 0, 12, 48, true, false));
        assertEquals(
                "cannot store blk.0.ffn_up.weight as Q4_0: its rows of 48 values are not a multiple of 32",
                e.getMessage());
    }

    private void compare(String model, String run, QuantPreset preset, boolean pure) throws IOException {
        JsonNode m = fixture.path("models").path(model);
        JsonNode expected = m.path("presets").path(run);
        assertFalse(expected.isMissingNode(), model + " " + run + " missing from presets.json");
        Gpt2Weights w = MODELS.computeIfAbsent(
                model,
                k -> model(
                        m.path("embd").asInt(),
                        m.path("layers").asInt(),
                        m.path("heads").asInt()));
        Path out = dir.resolve(model + "-" + preset + ".gguf");
        if (expected.path("refused").asBoolean()) {
            WeightsException e = assertThrows(
                    WeightsException.class,
                    () -> GgufExport.write(w, tokenizer(), preset, pure, out, List.of(), true, null),
                    model + " " + run);
            assertTrue(e.getMessage().contains("as " + preset.type + ":"), e.getMessage());
            return;
        }
        GgufExport.write(w, tokenizer(), preset, pure, out, List.of(), true, null);
        Map<String, String> want = new TreeMap<>(), got = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.path("tensors").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> t = it.next();
            want.put(
                    t.getKey(),
                    t.getValue().get(0).asText() + " " + t.getValue().get(1).asText());
        }
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(
                    expected.path("file_type").asLong(),
                    ((Number) f.metadata().get("general.file_type")).longValue(),
                    model + " " + run + " file type");
            for (GgufFile.TensorInfo t : f.tensorInfos().values()) {
                if (t.ne().length == 1 || t.name().equals("position_embd.weight")) continue;
                got.put(t.name(), t.type() + " " + sha256(f.tensor(t.name()).data()));
            }
        }
        assertEquals(want, got, model + " " + run);
    }

    private static String sha256(MemorySegment data) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(data.toArray(ValueLayout.JAVA_BYTE));
            return HexFormat.of().formatHex(h).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static TokenizerData tokenizer() {
        int v = fixture.path("vocab").asInt();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < v - 1; i++) tokens.add("t" + i);
        tokens.add("<|endoftext|>");
        return new TokenizerData(tokens, List.of("t 0"));
    }

    /** The model of tools/ggml/quant_presets.py: same names, shapes, seeds and values. */
    static Gpt2Weights model(int e, int layers, int heads) {
        int v = fixture.path("vocab").asInt(), ctx = fixture.path("context").asInt();
        Gpt2Config c = Gpt2Config.builder()
                .vocabSize(v)
                .contextLength(ctx)
                .embeddingSize(e)
                .layerCount(layers)
                .headCount(heads)
                .layerNormEpsilon(1e-5f)
                .innerSize(4 * e)
                .build();
        List<Gpt2Weights.Layer> ls = new ArrayList<>();
        String[] names = {
            "attn_norm.weight",
            "attn_norm.bias",
            "attn_qkv.weight",
            "attn_qkv.bias",
            "attn_output.weight",
            "attn_output.bias",
            "ffn_norm.weight",
            "ffn_norm.bias",
            "ffn_up.weight",
            "ffn_up.bias",
            "ffn_down.weight",
            "ffn_down.bias"
        };
        long[][] shapes = {
            {e}, {e}, {3L * e, e}, {3L * e}, {e, e}, {e}, {e}, {e}, {4L * e, e}, {4L * e}, {e, 4L * e}, {e}
        };
        for (int l = 0; l < layers; l++) {
            Tensor[] t = new Tensor[12];
            for (int k = 0; k < 12; k++) t[k] = tensor("blk." + l + "." + names[k], 100 + 20 * l + k, shapes[k]);
            ls.add(new Gpt2Weights.Layer(
                    t[0],
                    t[1],
                    matrix(t[2]),
                    t[3],
                    matrix(t[4]),
                    t[5],
                    t[6],
                    t[7],
                    matrix(t[8]),
                    t[9],
                    matrix(t[10]),
                    t[11]));
        }
        return new Gpt2Weights(
                c,
                tensor("token_embd.weight", 1, new long[] {v, e}),
                tensor("position_embd.weight", 2, new long[] {ctx, e}),
                ls,
                tensor("output_norm.weight", 4, new long[] {e}),
                tensor("output_norm.bias", 5, new long[] {e}),
                matrix(tensor("output.weight", 3, new long[] {v, e})));
    }

    private static WeightMatrix matrix(Tensor t) {
        return new WeightMatrix(t, (int) t.dim(0), (int) t.dim(1), false);
    }

    private static Tensor tensor(String name, long seed, long[] shape) {
        long n = Tensor.count(shape);
        MemorySegment s = ARENA.allocate(4 * n, 64);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            long h = splitmix64(seed << 32 | i);
            float x = (float) ((h >>> 40) - (1 << 23)) / (float) (1 << 23) / 16f;
            if ((h & 255) == 0) x *= 8f;
            s.set(f32, 4 * i, x);
        }
        return new Tensor(name, GgmlType.F32, shape, s);
    }

    private static long splitmix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
