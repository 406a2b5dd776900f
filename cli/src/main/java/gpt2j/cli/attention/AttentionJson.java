package gpt2j.cli.attention;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import gpt2j.engine.HeadStat;
import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code {"tokens": [...], "layers": L, "heads": H, "attention": [layer][head][query][key], "heads_stats": [...]}},
 * streamed: at 12 layers x 12 heads x 1024^2 the array is too big to build as a tree first. Masked entries are
 * written as the exact 0 they hold.
 */
public final class AttentionJson {

    private AttentionJson() {
    }

    public static void write(AttentionData data, OutputStream out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            write(data, g);
        }
    }

    static void write(AttentionData data, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("tokens");
        for (String t : data.tokens()) g.writeString(t);
        g.writeEndArray();
        g.writeNumberField("layers", data.layers());
        g.writeNumberField("heads", data.heads());
        g.writeArrayFieldStart("attention");
        for (float[][][] layer : data.weights()) {
            g.writeStartArray();
            for (float[][] head : layer) {
                g.writeStartArray();
                for (float[] row : head) {
                    g.writeStartArray();
                    for (float w : row) g.writeNumber(w);
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("heads_stats");
        for (HeadStat s : data.stats()) writeStat(s, g);
        g.writeEndArray();
        g.writeEndObject();
    }

    static void writeStat(HeadStat s, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("layer", s.layer());
        g.writeNumberField("head", s.head());
        g.writeNumberField("entropy", s.entropy());
        g.writeNumberField("previous_token", s.previousToken());
        g.writeNumberField("first_token", s.firstToken());
        g.writeNumberField("same_token", s.sameToken());
        g.writeNumberField("induction", s.induction());
        String label = HeadLabels.key(s);
        if (label.isEmpty()) {
            g.writeNullField("label");
        } else {
            g.writeStringField("label", label);
        }
        g.writeEndObject();
    }
}
