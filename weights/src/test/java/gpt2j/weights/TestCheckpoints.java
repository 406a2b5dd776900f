package gpt2j.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes small safetensors files and Hugging Face GPT-2 directories for tests, independently of the reader. */
final class TestCheckpoints {

    record Raw(String dtype, long[] shape, byte[] bytes) {}

    private TestCheckpoints() {}

    /** A safetensors file laid out in map order, header padded to 8 bytes like the Python writer does. */
    static void writeSafetensors(Path path, Map<String, Raw> tensors) throws IOException {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
            Raw r = e.getValue();
            json.append(",\"")
                    .append(e.getKey())
                    .append("\":{\"dtype\":\"")
                    .append(r.dtype())
                    .append("\",\"shape\":[");
            for (int i = 0; i < r.shape().length; i++)
                json.append(i == 0 ? "" : ",").append(r.shape()[i]);
            json.append("],\"data_offsets\":[")
                    .append(off)
                    .append(",")
                    .append(off + r.bytes().length)
                    .append("]}");
            off += r.bytes().length;
        }
        json.append("}");
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer buf = ByteBuffer.allocate((int) (8 + padded + off)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) buf.put((byte) ' ');
        for (Raw r : tensors.values()) buf.put(r.bytes());
        Files.write(path, buf.array());
    }

    /** A file with the given header text verbatim and {@code dataBytes} zero bytes of data. */
    static void writeRawSafetensors(Path path, String headerJson, int dataBytes) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header);
        Files.write(path, buf.array());
    }

    /** The value every test model stores at element {@code i} of tensor number {@code k}: distinct and exact in F16. */
    static float value(int k, long i) {
        return (k % 64) * 0.25f + (i % 1024) / 1024f - 8f;
    }

    static Raw f32(int k, long... shape) {
        long n = Tensor.count(shape);
        ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) b.putFloat(value(k, i));
        return new Raw("F32", shape, b.array());
    }

    static Raw f16(int k, long... shape) {
        long n = Tensor.count(shape);
        ByteBuffer b = ByteBuffer.allocate((int) n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) b.putShort(Float.floatToFloat16(value(k, i)));
        return new Raw("F16", shape, b.array());
    }

    static Raw bf16(int k, long... shape) {
        long n = Tensor.count(shape);
        ByteBuffer b = ByteBuffer.allocate((int) n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) b.putShort((short) (Float.floatToIntBits(value(k, i)) >>> 16));
        return new Raw("BF16", shape, b.array());
    }

    /** HF tensor names (no prefix) and their stored shapes, in save_pretrained order. */
    static Map<String, long[]> hfShapes(int vocab, int ctx, int embd, int layers) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("wte.weight", new long[] {vocab, embd});
        m.put("wpe.weight", new long[] {ctx, embd});
        for (int i = 0; i < layers; i++) {
            String p = "h." + i + ".";
            m.put(p + "ln_1.weight", new long[] {embd});
            m.put(p + "ln_1.bias", new long[] {embd});
            m.put(p + "attn.c_attn.weight", new long[] {embd, 3L * embd});
            m.put(p + "attn.c_attn.bias", new long[] {3L * embd});
            m.put(p + "attn.c_proj.weight", new long[] {embd, embd});
            m.put(p + "attn.c_proj.bias", new long[] {embd});
            m.put(p + "ln_2.weight", new long[] {embd});
            m.put(p + "ln_2.bias", new long[] {embd});
            m.put(p + "mlp.c_fc.weight", new long[] {embd, 4L * embd});
            m.put(p + "mlp.c_fc.bias", new long[] {4L * embd});
            m.put(p + "mlp.c_proj.weight", new long[] {4L * embd, embd});
            m.put(p + "mlp.c_proj.bias", new long[] {embd});
        }
        m.put("ln_f.weight", new long[] {embd});
        m.put("ln_f.bias", new long[] {embd});
        return m;
    }

    /** Tensor numbers by unprefixed name, so tests can predict every value. */
    static List<String> order(int vocab, int ctx, int embd, int layers) {
        return new ArrayList<>(hfShapes(vocab, ctx, embd, layers).keySet());
    }

    static String configJson(int vocab, int ctx, int embd, int layers, int heads) {
        return "{\"model_type\":\"gpt2\",\"activation_function\":\"gelu_new\",\"vocab_size\":" + vocab
                + ",\"n_positions\":" + ctx + ",\"n_ctx\":" + ctx + ",\"n_embd\":" + embd + ",\"n_layer\":" + layers
                + ",\"n_head\":" + heads + ",\"layer_norm_epsilon\":1e-05}";
    }

    /** Builds the tensors of a tiny model: {@code dtype} is F32, F16 or BF16; {@code prefix} "" or "transformer.". */
    static Map<String, Raw> hfTensors(int vocab, int ctx, int embd, int layers, String dtype, String prefix) {
        Map<String, Raw> out = new LinkedHashMap<>();
        int k = 0;
        for (Map.Entry<String, long[]> e : hfShapes(vocab, ctx, embd, layers).entrySet()) {
            out.put(
                    prefix + e.getKey(),
                    switch (dtype) {
                        case "F16" -> f16(k, e.getValue());
                        case "BF16" -> bf16(k, e.getValue());
                        default -> f32(k, e.getValue());
                    });
            k++;
        }
        return out;
    }

    static Path writeHfDir(Path dir, int vocab, int ctx, int embd, int layers, int heads, Map<String, Raw> tensors)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), configJson(vocab, ctx, embd, layers, heads));
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        return dir;
    }
}
