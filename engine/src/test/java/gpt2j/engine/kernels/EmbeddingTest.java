package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import gpt2j.weights.GgmlType;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EmbeddingTest {

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"F32", "F16", "Q8_0", "Q4_0"})
    void rowsDecodeToTheirValues(GgmlType type) {
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofConfined()) {
            Weights w = Weights.random(type, 9, 96, false, rnd, arena);
            for (int row = 0; row < 9; row++) {
                float[] out = new float[3 + 96];
                Embedding.row(w.matrix.tensor(), row, out, 3);
                for (int i = 0; i < 96; i++)
                    assertEquals(w.values[row][i], out[3 + i], 0.0, type + " row " + row + " col " + i);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> Embedding.row(w.matrix.tensor(), 9, new float[96], 0));
        }
    }
}
