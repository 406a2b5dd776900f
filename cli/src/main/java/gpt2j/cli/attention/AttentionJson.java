package gpt2j.cli.attention;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import gpt2j.api.HeadStat;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * {@code {"tokens": [...], "layers": L, "heads": H, "attention": [layer][head][query][key], "heads_stats": [...]}},
 * streamed: at 12 layers x 12 heads x 1024^2 the array is too big to build as a tree first. Masked entries are
 * written as the exact 0 they hold. With scores captured, {@code "scales": [per layer]}; with next tokens,
 * {@code "next": [{"ids", "tokens", "probabilities"} per position]}; with a query's steps, {@code "steps": {"layer",
 * "head", "query", "scale", "scores", "scaled", "weights"}} where scores and scaled are null for masked keys (-inf).
 */
public final class AttentionJson {

    private AttentionJson() {}

    public static void write(AttentionData data, OutputStream out) throws IOException {
        write(data, null, out);
    }

    /** With {@code steps} (or null), that query's way from scores to weights too. */
    public static void write(AttentionData data, AttentionSteps steps, OutputStream out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            write(data, steps, g);
        }
    }

    static void write(AttentionData data, AttentionSteps steps, JsonGenerator g) throws IOException {
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
        if (data.scales() != null) {
            g.writeArrayFieldStart("scales");
            for (float s : data.scales()) g.writeNumber(s);
            g.writeEndArray();
        }
        if (!data.next().isEmpty()) {
            g.writeArrayFieldStart("next");
            for (List<AttentionData.Candidate> position : data.next()) {
                g.writeStartObject();
                g.writeArrayFieldStart("ids");
                for (AttentionData.Candidate c : position) g.writeNumber(c.id());
                g.writeEndArray();
                g.writeArrayFieldStart("tokens");
                for (AttentionData.Candidate c : position) g.writeString(c.token());
                g.writeEndArray();
                g.writeArrayFieldStart("probabilities");
                for (AttentionData.Candidate c : position) g.writeNumber(c.probability());
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (steps != null) writeSteps(steps, g);
        g.writeEndObject();
    }

    static void writeSteps(AttentionSteps s, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("steps");
        g.writeNumberField("layer", s.layer());
        g.writeNumberField("head", s.head());
        g.writeNumberField("query", s.query());
        g.writeNumberField("scale", s.scale());
        g.writeArrayFieldStart("scores");
        for (int k = 0; k < s.scores().length; k++) {
            if (k <= s.query()) g.writeNumber(s.scores()[k]);
            else g.writeNull();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("scaled");
        for (int k = 0; k < s.scaled().length; k++) {
            if (k <= s.query()) g.writeNumber(s.scaled()[k]);
            else g.writeNull();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("weights");
        for (double w : s.weights()) g.writeNumber(w);
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
        g.writeNumberField("uniform_entropy", s.uniformEntropy());
        g.writeNumberField("uniform_share", s.uniformShare());
        g.writeNumberField("uniform_induction", s.uniformInduction());
        String label = HeadLabels.key(s);
        if (label.isEmpty()) {
            g.writeNullField("label");
        } else {
            g.writeStringField("label", label);
        }
        g.writeEndObject();
    }
}
