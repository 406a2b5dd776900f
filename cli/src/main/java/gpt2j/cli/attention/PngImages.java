package gpt2j.cli.attention;

import gpt2j.api.HeadLabel;
import gpt2j.api.HeadStat;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The attention pictures for documents: the grid of every layer x head, or one head large with its token labels on
 * both axes. Masked cells (keys after the query) are left as white background. Drawn off-screen in headless AWT.
 */
public final class PngImages {

    static {
        // The launcher runs plain `java -jar`; without this AWT may look for a display.
        System.setProperty("java.awt.headless", "true");
    }

    private static final int MARGIN = 20;
    private static final Color TEXT = new Color(0x1b1f24);
    private static final Color MUTED = new Color(0x57606a);
    private static final Color FRAME = new Color(0xd0d7de);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font BODY = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    private static final Font SMALL_BOLD = new Font(Font.SANS_SERIF, Font.BOLD, 10);

    private PngImages() {}

    public static void write(BufferedImage image, Path file) throws IOException {
        AtomicFile.write(file, out -> {
            if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer available");
        });
    }

    /** Every head: rows are layers, columns heads, with each head's statistics and label beneath it. */
    public static BufferedImage grid(AttentionData data) {
        int t = data.length();
        int px = Math.max(1, 96 / t);
        int square = px * t;
        int cellW = Math.max(square, 118) + 12;
        int cellH = square + 48;
        int rowHead = 58;
        int top = MARGIN + 70;
        int width = MARGIN * 2 + rowHead + data.heads() * cellW;
        int height = top + 20 + data.layers() * cellH + MARGIN;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);

        g.setFont(TITLE);
        g.setColor(TEXT);
        g.drawString("Attention of every layer and head (" + t + " tokens)", MARGIN, MARGIN + 14);
        g.setFont(BODY);
        g.setColor(MUTED);
        g.drawString(fit(g, tokenLine(data), width - 2 * MARGIN), MARGIN, MARGIN + 36);
        legend(g, MARGIN, MARGIN + 50);

        g.setFont(SMALL_BOLD);
        for (int h = 0; h < data.heads(); h++) {
            g.setColor(MUTED);
            g.drawString("head " + h, MARGIN + rowHead + h * cellW, top + 10);
        }
        for (int l = 0; l < data.layers(); l++) {
            int y = top + 20 + l * cellH;
            g.setFont(SMALL_BOLD);
            g.setColor(MUTED);
            g.drawString("layer " + l, MARGIN, y + 12);
            for (int h = 0; h < data.heads(); h++) {
                int x = MARGIN + rowHead + h * cellW;
                heatmap(g, data.weights()[l][h], x, y, px);
                HeadStat s = data.stat(l, h);
                g.setFont(SMALL);
                g.setColor(MUTED);
                g.drawString(
                        String.format(Locale.ROOT, "ent %.2f prev %.2f", s.entropy(), s.previousToken()),
                        x,
                        y + square + 12);
                g.drawString(
                        String.format(Locale.ROOT, "1st %.2f ind %.2f", s.firstToken(), s.induction()),
                        x,
                        y + square + 24);
                String key = HeadLabels.key(s);
                if (!key.isEmpty()) {
                    g.setFont(SMALL_BOLD);
                    g.setColor(labelColor(s.label()));
                    g.drawString(key, x, y + square + 37);
                }
            }
        }
        g.dispose();
        return img;
    }

    /** One head, large: queries down the left, keys along the top, and what the head does in words. */
    public static BufferedImage head(AttentionData data, int layer, int head) {
        int t = data.length();
        int px = Math.clamp(640 / t, 6, 36);
        Font tokenFont = new Font(Font.MONOSPACED, Font.PLAIN, Math.clamp(px - 4, 9, 14));
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = graphics(probe);
        FontMetrics tm = pg.getFontMetrics(tokenFont);
        int labelW = 0;
        for (int i = 0; i < t; i++) labelW = Math.max(labelW, tm.stringWidth(axisLabel(data, i, true)));
        pg.dispose();

        HeadStat s = data.stat(layer, head);
        String name = HeadLabels.name(s);
        int headerH = 86;
        int pad = labelW + 8;
        int square = t * px;
        int width = Math.max(MARGIN * 2 + pad + square, 720);
        int height = MARGIN + headerH + pad + square + 44 + MARGIN;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);

        g.setFont(TITLE);
        g.setColor(TEXT);
        g.drawString("Layer " + layer + ", head " + head + (name.isEmpty() ? "" : ": " + name), MARGIN, MARGIN + 14);
        g.setFont(BODY);
        g.drawString(fit(g, HeadLabels.explain(s), width - 2 * MARGIN), MARGIN, MARGIN + 36);
        g.setColor(MUTED);
        g.drawString(TerminalView.statsLine(s), MARGIN, MARGIN + 56);
        g.drawString(
                "rows: query token; columns: the earlier key tokens it attends to; white: masked (later tokens)",
                MARGIN,
                MARGIN + 74);

        int x0 = MARGIN + pad, y0 = MARGIN + headerH + pad;
        heatmap(g, data.weights()[layer][head], x0, y0, px);
        g.setFont(tokenFont);
        g.setColor(TEXT);
        FontMetrics fm = g.getFontMetrics();
        int baseline = (px + fm.getAscent() - fm.getDescent()) / 2;
        for (int q = 0; q < t; q++) {
            String label = axisLabel(data, q, true);
            g.drawString(label, x0 - 6 - fm.stringWidth(label), y0 + q * px + baseline);
        }
        AffineTransform saved = g.getTransform();
        for (int k = 0; k < t; k++) {
            g.setTransform(saved);
            g.translate(x0 + k * px + baseline, y0 - 6);
            g.rotate(-Math.PI / 2);
            g.drawString(axisLabel(data, k, false), 0, 0);
        }
        g.setTransform(saved);
        legend(g, MARGIN, y0 + square + 18);
        g.dispose();
        return img;
    }

    /** Rows: queries; columns: keys; only the causal (lower) triangle is painted. */
    private static void heatmap(Graphics2D g, float[][] w, int x, int y, int px) {
        int t = w.length;
        for (int q = 0; q < t; q++) {
            for (int k = 0; k <= q; k++) {
                g.setColor(new Color(HeatColors.rgb(w[q][k])));
                g.fillRect(x + k * px, y + q * px, px, px);
            }
        }
        g.setColor(FRAME);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x - 1, y - 1, t * px + 1, t * px + 1);
    }

    private static void legend(Graphics2D g, int x, int y) {
        g.setFont(SMALL);
        g.setColor(MUTED);
        g.drawString("weight 0", x, y + 10);
        int rx = x + 52;
        for (int i = 0; i < 160; i++) {
            g.setColor(new Color(HeatColors.rgb(i / 159f)));
            g.fillRect(rx + i, y, 1, 12);
        }
        g.setColor(FRAME);
        g.drawRect(rx - 1, y - 1, 161, 13);
        g.setColor(MUTED);
        g.drawString("1", rx + 166, y + 10);
        g.setColor(FRAME);
        g.drawRect(rx + 186, y, 11, 11);
        g.setColor(MUTED);
        g.drawString("masked", rx + 202, y + 10);
    }

    private static String axisLabel(AttentionData data, int i, boolean indexAfter) {
        String token = TokenText.shorten(data.label(i), 16);
        return indexAfter ? token + " " + i : i + " " + token;
    }

    private static String tokenLine(AttentionData data) {
        StringBuilder sb = new StringBuilder("tokens:");
        for (int i = 0; i < data.length(); i++) sb.append("  ").append(data.label(i));
        return sb.toString();
    }

    private static String fit(Graphics2D g, String s, int width) {
        FontMetrics fm = g.getFontMetrics();
        if (fm.stringWidth(s) <= width) return s;
        while (!s.isEmpty() && fm.stringWidth(s + "\u2026") > width) s = s.substring(0, s.length() - 1);
        return s + "\u2026";
    }

    private static Color labelColor(HeadLabel label) {
        return switch (label) {
            case INDUCTION -> new Color(0x8250df);
            case PREVIOUS_TOKEN -> new Color(0xd1590f);
            case FIRST_TOKEN -> new Color(0x1a7f37);
            case SELF -> new Color(0xbf3989);
            case OTHER -> MUTED;
        };
    }

    private static Graphics2D graphics(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        return g;
    }
}
