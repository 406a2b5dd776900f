package gpt2j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every quantizer against blocks ggml itself wrote (tools/ggml/quant_fixtures.sh: ggml_quantize_chunk, as
 * llama-quantize calls it, without an importance matrix) for 40 rows of 256 values: zero rows, one repeated value,
 * outliers, all-positive and all-negative rows, zero sub-blocks, values below ggml's epsilon, integer ties, sparse,
 * large and Gaussian rows. Byte for byte, each row reported on its own.
 */
class QuantizerGgmlTest {

    private static final int N = 256;

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"
            })
    void blocksEqualGgmls(GgmlType type) throws IOException {
        float[] x = QuantizerTest.floats(QuantizerTest.resource("ggml/input.f32"));
        byte[] expected = QuantizerTest.resource("ggml/" + type.name().toLowerCase(Locale.ROOT) + ".bin");
        int rows = x.length / N;
        int rowBytes = (int) type.byteSize(N);
        assertEquals(rows * rowBytes, expected.length, "fixture size");
        StringBuilder bad = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            byte[] got = QuantizerTest.quantize(type, Arrays.copyOfRange(x, r * N, (r + 1) * N));
            byte[] want = Arrays.copyOfRange(expected, r * rowBytes, (r + 1) * rowBytes);
            if (!Arrays.equals(want, got)) {
                int at = Arrays.mismatch(want, got);
                bad.append(
                        String.format(" row %d (first difference at byte %d: %d, ggml %d);", r, at, got[at], want[at]));
            }
        }
        if (!bad.isEmpty()) fail(type + " differs from ggml in" + bad);
    }

    @org.junit.jupiter.api.Test
    void iq4LevelTiesGoUp() {
        assertEquals(8, Iq4Quants.bestIndex(-4.5f)); // halfway between -10 (7) and 1 (8)
        assertEquals(7, Iq4Quants.bestIndex(-4.6f));
        assertEquals(0, Iq4Quants.bestIndex(-500f));
        assertEquals(15, Iq4Quants.bestIndex(113f));
    }
}
