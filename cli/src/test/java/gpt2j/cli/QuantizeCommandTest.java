package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import gpt2j.weights.GgmlType;
import gpt2j.weights.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeCommandTest {

    // vocab 300: room for a byte-level vocabulary (256 byte tokens), which GGUF export needs. Stored F16, and the
    // reference outputs are computed on the F16 values, so an F32 export must reproduce them.
    private static final String FIXTURE = "f16";

    @TempDir
    Path tmp;

    @Test
    void f32GgufGivesTheReferenceGreedyTokens() throws IOException {
        Path gguf = quantize("f32");
        JsonNode f = Fixtures.manifest(FIXTURE);
        assertArrayEquals(Fixtures.ints(f.get("greedy").get("new_tokens")), greedy(gguf, f));

        Cli info = Cli.run("info", "--json", "-m", gguf.toString());
        assertEquals(0, info.code(), info.err());
        JsonNode o = Fixtures.parse(info.out());
        assertEquals("gguf", o.get("format").asText());
        assertEquals(300, o.get("vocab").asInt());
        assertEquals("F32", o.get("matrix_types").get(0).asText());
    }

    @Test
    void q8GgufStaysCloseToTheReference() throws IOException {
        Path gguf = quantize("q8_0");
        JsonNode f = Fixtures.manifest(FIXTURE);
        Path ids = tmp.resolve("ids.json");
        Files.writeString(ids, f.get("tokens").toString());
        Cli r = Cli.run("perplexity", "-m", gguf.toString(), "--ids-file", ids.toString(), "--json", "-t", "1");
        assertEquals(0, r.code(), r.err());
        double reference = f.get("nll").get("mean").asDouble();
        double nll = Fixtures.parse(r.out()).get("nll").asDouble();
        assertEquals(reference, nll, 0.01 * reference, "Q8_0 NLL " + nll + " vs F32 reference " + reference);
        int[] expected = Fixtures.ints(f.get("greedy").get("new_tokens"));
        int[] got = greedy(gguf, f);
        assertEquals(expected[0], got[0], "first greedy token");
    }

    @Test
    void theGgufCarriesTheSourceVocabulary() throws IOException {
        Path gguf = quantize("q4_0");
        Cli r = Cli.run("tokenize", "--json", "-m", gguf.toString(), "abc<|endoftext|>");
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "[256,99,60,124,101,110,100,111,102,116,101,120,116,124,62]",
                r.out().strip());
        Cli specials = Cli.run("tokenize", "--json", "--specials", "-m", gguf.toString(), "zbqc<|endoftext|>");
        assertEquals("[281,298,299]", specials.out().strip());
    }

    @Test
    void theDefaultModelIsUsedWithoutDashM() throws IOException {
        Path gguf = quantize("q8_0");
        String old = System.getProperty(ModelOption.DEFAULT_MODEL_PROPERTY);
        System.setProperty(ModelOption.DEFAULT_MODEL_PROPERTY, gguf.toString());
        try {
            Cli r = Cli.run("info", "--json");
            assertEquals(0, r.code(), r.err());
            assertEquals(gguf.toString(), Fixtures.parse(r.out()).get("path").asText());
            assertEquals(
                    "Q8_0", Fixtures.parse(r.out()).get("matrix_types").get(0).asText());
            Cli g = Cli.run("generate", "-p", "ab", "-n", "2", "--json", "-t", "1");
            assertEquals(0, g.code(), g.err());
        } finally {
            if (old == null) System.clearProperty(ModelOption.DEFAULT_MODEL_PROPERTY);
            else System.setProperty(ModelOption.DEFAULT_MODEL_PROPERTY, old);
        }
    }

    @Test
    void presetsChooseTypesPerTensorAsLlamaQuantize() throws IOException {
        // n_embd 32: K-quant rows fall back to 32-value types (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0), and the
        // head, whose row fits no 256-value block, takes Q8_0. QuantPresetTest checks the rules on larger widths.
        Path gguf = quantize("q4_k_m");
        try (GgufFile f = GgufFile.open(gguf)) {
            assertEquals(15L, ((Number) f.metadata().get("general.file_type")).longValue());
            assertEquals(GgmlType.Q8_0, f.tensorInfos().get("output.weight").type());
            assertEquals(GgmlType.Q5_0, f.tensorInfos().get("token_embd.weight").type());
            assertEquals(
                    GgmlType.Q5_1, f.tensorInfos().get("blk.0.attn_qkv.weight").type());
            assertEquals(
                    GgmlType.Q8_0, f.tensorInfos().get("blk.1.ffn_down.weight").type()); // Q6_K in the last layer
            assertEquals(
                    GgmlType.F32, f.tensorInfos().get("position_embd.weight").type());
        }
        Path pure = quantize("q5_0", "--pure");
        try (GgufFile f = GgufFile.open(pure)) {
            for (GgufFile.TensorInfo t : f.tensorInfos().values()) {
                if (t.ne().length == 2 && !t.name().equals("position_embd.weight"))
                    assertEquals(GgmlType.Q5_0, t.type());
            }
        }
    }

    @Test
    void pureRefusesRowsThatFitNoBlockNamingTheType() throws IOException {
        quantize("f32");
        Path out = tmp.resolve("pure.gguf");
        Cli r = Cli.run(
                "quantize", "-m", tmp.resolve("model").toString(), "--type", "q6_k", "--pure", "-o", out.toString());
        String line = r.oneLineFailure();
        assertTrue(line.contains("as Q6_K") && line.contains("not a multiple of 256"), line);
        assertTrue(Files.notExists(out));
    }

    @Test
    void refusesToOverwriteTheSource() throws IOException {
        Path gguf = quantize("f32");
        byte[] before = Files.readAllBytes(gguf);
        Cli r = Cli.run("quantize", "-m", gguf.toString(), "--type", "q8_0", "-o", gguf.toString());
        assertTrue(r.oneLineFailure().contains("model being read"), r.err());
        Path alias = tmp.resolve("sub").resolve("..").resolve(gguf.getFileName());
        Files.createDirectories(tmp.resolve("sub"));
        Cli.run("quantize", "-m", gguf.toString(), "--type", "q8_0", "-o", alias.toString())
                .oneLineFailure();
        assertArrayEquals(before, Files.readAllBytes(gguf));
    }

    @Test
    void aFailedQuantizeLeavesTheOutputAlone() throws IOException {
        Path out = tmp.resolve("out.gguf");
        Files.writeString(out, "precious");
        // The fixture has no tokenizer, and GGUF needs one.
        Cli r = Cli.run("quantize", "-m", Fixtures.model(FIXTURE).toString(), "--type", "q8_0", "-o", out.toString());
        assertTrue(r.oneLineFailure().contains("tokenizer"), r.err());
        assertEquals("precious", Files.readString(out));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList());
        }
    }

    @Test
    void outputMustBeGguf() {
        Cli r = Cli.run(
                "quantize",
                "-m",
                Fixtures.model(FIXTURE).toString(),
                "--type",
                "q8_0",
                "-o",
                tmp.resolve("x.bin").toString());
        assertEquals(2, r.code());
        assertTrue(r.failureLine().contains(".gguf"));
    }

    private int[] greedy(Path model, JsonNode f) {
        int[] expected = Fixtures.ints(f.get("greedy").get("new_tokens"));
        Cli r = Cli.run(
                "generate",
                "-m",
                model.toString(),
                "--prompt-ids",
                Fixtures.idList(Fixtures.ints(f.get("tokens"))),
                "-n",
                String.valueOf(expected.length),
                "--temperature",
                "0",
                "--json",
                "-t",
                "1");
        assertEquals(0, r.code(), r.err());
        return Fixtures.ints(Fixtures.parse(r.out()).get("tokens"));
    }

    private Path quantize(String type, String... more) throws IOException {
        Path dir = tmp.resolve("model");
        if (!Files.exists(dir)) {
            TestVocabulary.copyWithVocabulary(FIXTURE, dir);
        }
        Path out = tmp.resolve("model-" + type + String.join("", more) + ".gguf");
        List<String> args = new java.util.ArrayList<>(
                List.of("quantize", "-m", dir.toString(), "--type", type, "-o", out.toString()));
        args.addAll(List.of(more));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("wrote"), r.err());
        return out;
    }
}
