package gpt2j.cli.attention;

/**
 * The one colour ramp for attention weights, shared by the PNG, the HTML page (which receives the stops) and the
 * 256-colour terminal. Weight 0 is a pale tint, not white, so the masked upper triangle (left as white background)
 * stays visibly empty next to keys that merely get no attention.
 */
public final class HeatColors {

    /** Blues, light to dark, evenly spaced over weights 0..1. */
    static final int[] STOPS = {0xe6eef7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b};

    /** Background where a key is masked (later than the query). */
    public static final int MASKED = 0xffffff;

    private HeatColors() {}

    /** 0xRRGGBB for a weight, clamped to [0, 1]. */
    public static int rgb(float weight) {
        float w = Float.isNaN(weight) ? 0f : Math.clamp(weight, 0f, 1f);
        float pos = w * (STOPS.length - 1);
        int i = Math.min((int) pos, STOPS.length - 2);
        float f = pos - i;
        int a = STOPS[i], b = STOPS[i + 1];
        return mix(a >> 16, b >> 16, f) << 16 | mix(a >> 8, b >> 8, f) << 8 | mix(a, b, f);
    }

    private static int mix(int a, int b, float f) {
        a &= 0xff;
        b &= 0xff;
        return Math.round(a + (b - a) * f);
    }

    /** The nearest colour of xterm's 6x6x6 cube (indices 16..231). */
    public static int ansi256(float weight) {
        int c = rgb(weight);
        return 16 + 36 * cubeLevel(c >> 16 & 0xff) + 6 * cubeLevel(c >> 8 & 0xff) + cubeLevel(c & 0xff);
    }

    private static final int[] CUBE = {0, 95, 135, 175, 215, 255};

    private static int cubeLevel(int v) {
        int best = 0;
        for (int i = 1; i < CUBE.length; i++) {
            if (Math.abs(CUBE[i] - v) < Math.abs(CUBE[best] - v)) best = i;
        }
        return best;
    }

    /** Black or white, whichever reads better on this background. */
    public static int ink(int rgb) {
        double luma = 0.299 * (rgb >> 16 & 0xff) + 0.587 * (rgb >> 8 & 0xff) + 0.114 * (rgb & 0xff);
        return luma > 140 ? 0x000000 : 0xffffff;
    }
}
