package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeatColorsTest {

    private static double luma(int rgb) {
        return 0.299 * (rgb >> 16 & 0xff) + 0.587 * (rgb >> 8 & 0xff) + 0.114 * (rgb & 0xff);
    }

    @Test
    void rampRunsFromAPaleTintToNavyAndDarkensMonotonically() {
        assertEquals(0xe6eef7, HeatColors.rgb(0f));
        assertEquals(0x08306b, HeatColors.rgb(1f));
        assertNotEquals(HeatColors.MASKED, HeatColors.rgb(0f), "zero weight must differ from the masked background");
        double previous = Double.MAX_VALUE;
        for (int i = 0; i <= 100; i++) {
            double l = luma(HeatColors.rgb(i / 100f));
            assertTrue(l <= previous, "darker as the weight grows, at " + i);
            previous = l;
        }
        assertEquals(HeatColors.rgb(1f), HeatColors.rgb(7f));
        assertEquals(HeatColors.rgb(0f), HeatColors.rgb(Float.NaN));
    }

    @Test
    void ansiColoursAreCubeEntriesNearTheRamp() {
        // 0xe6eef7 = (230, 238, 247) -> cube levels (215, 255, 255) = 16 + 36*4 + 6*5 + 5;
        // 0x08306b = (8, 48, 107) -> (0, 95, 95) = 16 + 6 + 1 (48 is one step nearer 95 than 0).
        assertEquals(195, HeatColors.ansi256(0f));
        assertEquals(23, HeatColors.ansi256(1f));
    }
}
