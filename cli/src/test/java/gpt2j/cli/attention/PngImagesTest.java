package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngImagesTest {

    private static final int DARKEST = HeatColors.rgb(1f);
    private static final int PALEST = HeatColors.rgb(0f);
    /** The legend's colour ramp has a 12-pixel column at each end of the ramp. */
    private static final int LEGEND = 12;

    /** Pixel counts by colour inside a rectangle. */
    private static Map<Integer, Integer> histogram(BufferedImage img, int x0, int y0, int w, int h) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) counts.merge(img.getRGB(x, y) & 0xffffff, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void gridPaintsEachCausalCellAndLeavesTheMaskedTriangleWhite(@TempDir Path dir) throws Exception {
        AttentionData data = Samples.data();
        Path file = dir.resolve("grid.png");
        PngImages.write(PngImages.grid(data), file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertTrue(img.getWidth() > 300 && img.getHeight() > 250, img.getWidth() + "x" + img.getHeight());

        // 2 layers x 3 heads of 12x12 cells: the previous-token and first-token heads have one weight-1 cell per row
        // (12 each), the uniform head's first row too; every other causal cell is lighter. All in 8x8-pixel cells.
        Map<Integer, Integer> all = histogram(img, 0, 0, img.getWidth(), img.getHeight());
        int t = data.length(), px = 96 / t;
        assertEquals(2 * (t + 1 + t) * px * px + LEGEND, all.getOrDefault(DARKEST, 0), "weight-1 cells");
        // Weight-0 cells: previous-token head t(t+1)/2 - t per layer, first-token head the same.
        int zeros = 2 * 2 * (t * (t + 1) / 2 - t);
        assertEquals(zeros * px * px + LEGEND, all.getOrDefault(PALEST, 0), "weight-0 cells");
    }

    @Test
    void headImageHasTheHeadsPatternAndNamesIt(@TempDir Path dir) throws Exception {
        AttentionData data = Samples.data();
        BufferedImage img = PngImages.head(data, 1, 0);
        int t = data.length();
        int px = Math.clamp(640 / t, 6, 36);
        Map<Integer, Integer> all = histogram(img, 0, 0, img.getWidth(), img.getHeight());
        assertEquals(t * px * px + LEGEND, all.getOrDefault(DARKEST, 0), "one weight-1 square per query row");
        // Find the first weight-1 cell (query 0, key 0), then check the masked cell to its right and the diagonal.
        int x0 = -1, y0 = -1;
        outer:
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == DARKEST) {
                    x0 = x;
                    y0 = y;
                    break outer;
                }
            }
        }
        for (int q = 0; q < t; q++) {
            int cy = y0 + q * px + px / 2;
            assertEquals(DARKEST, img.getRGB(x0 + Math.max(0, q - 1) * px + px / 2, cy) & 0xffffff, "query " + q);
            if (q + 1 < t) {
                assertEquals(HeatColors.MASKED, img.getRGB(x0 + (q + 1) * px + px / 2, cy) & 0xffffff, "masked " + q);
            }
        }
        Path file = dir.resolve("head.png");
        PngImages.write(img, file);
        assertTrue(Files.size(file) > 1000);
    }
}
