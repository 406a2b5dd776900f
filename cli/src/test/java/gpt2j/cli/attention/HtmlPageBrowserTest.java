package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the page in headless Chromium (Debian's package; CI installs it with .ci/chromium.sh): the page's script must
 * draw every head with no error or console output, the enlarged view must open from the address, and a screenshot
 * must show the grid.
 */
class HtmlPageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private record Run(int code, String out, String err) {
        /** Chromium prints the page's console messages as "...:CONSOLE(line)] "text", source: ...". */
        List<String> consoleLines() {
            return err.lines().filter(l -> l.contains(":CONSOLE")).toList();
        }
    }

    private static Run chromium(Path dir, String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createDirectories(dir.resolve(name + "-profile")),
                "--enable-logging=stderr", "--v=0"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + ".out"), err = dir.resolve(name + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 60 s: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err));
    }

    private static String page(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM),
                "skipped: /usr/bin/chromium is absent (install Debian's chromium package, e.g. .ci/chromium.sh)");
        Path page = dir.resolve("attention.html");
        Files.writeString(page, HtmlPage.render(Samples.data(), "The cat sat on the mat.\n The cat sat on"));
        return page.toUri().toString();
    }

    /** The DOM after the page's script ran, with its error box checked empty and no console output. */
    private static String checkedDom(Run run) {
        assertEquals(0, run.code(), run.err());
        Matcher errors = Pattern.compile("<pre id=\"errors\">(.*?)</pre>", Pattern.DOTALL).matcher(run.out());
        assertTrue(errors.find(), "the error box is in the DOM");
        assertEquals("", errors.group(1), "script errors");
        assertEquals(List.of(), run.consoleLines(), "console messages");
        return run.out();
    }

    /**
     * One browser start (it dominates the time): the address names head 1/0, so the DOM must hold the whole grid and
     * the enlarged head, and the screenshot shows both: the grid dimmed behind the enlarged view's backdrop.
     */
    @Test
    void pageDrawsEveryHeadAndOpensTheOneInTheAddressWithoutErrors(@TempDir Path dir) throws Exception {
        Path shot = dir.resolve("shot.png");
        String html = checkedDom(chromium(dir, "page", "--dump-dom", "--screenshot=" + shot,
                "--window-size=1400,1000", page(dir) + "#L1H0"));
        assertTrue(html.contains("data-heads=\"6\""), "the script drew 2 x 3 head canvases");
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 3; h++) {
                assertTrue(html.contains("class=\"head\" data-layer=\"" + l + "\" data-head=\"" + h + "\""),
                        "head " + l + "/" + h);
            }
        }
        assertTrue(html.contains("<div id=\"overlay\"><div class=\"panel\">"), "the enlarged view is shown");
        assertTrue(html.contains("<h2 id=\"ftitle\">layer 1, head 0: previous-token head</h2>"), "enlarged head");
        assertTrue(html.contains("<p id=\"fexplain\">Each token attends to the token just before it.</p>"));

        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(1400, img.getWidth());
        assertEquals(1000, img.getHeight());
        int one = HeatColors.rgb(1f), zero = HeatColors.rgb(0f);
        int gridOne = 0, gridZero = 0, bigOne = 0, bigZero = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y) & 0xffffff;
                if (near(c, dimmed(one))) gridOne++;
                if (near(c, dimmed(zero))) gridZero++;
                if (near(c, one)) bigOne++;
                if (near(c, zero)) bigZero++;
            }
        }
        // The grid: 2 layers x 3 heads of 12x12 cells at ~8.7 px, 50 of weight 1 and 220 of weight 0.
        assertTrue(gridOne > 50 * 60, "grid cells of weight 1: " + gridOne + " px");
        assertTrue(gridZero > 220 * 60, "grid cells of weight 0: " + gridZero + " px");
        // The enlarged previous-token head: 12 cells of weight 1 and 54 of weight 0, 32 px each.
        assertTrue(bigOne > 12 * 900, "enlarged cells of weight 1: " + bigOne + " px");
        assertTrue(bigZero > 54 * 900, "enlarged cells of weight 0: " + bigZero + " px");
    }

    /** A colour seen through the enlarged view's backdrop, rgba(27, 31, 36, .45). */
    private static int dimmed(int rgb) {
        int r = (int) Math.round((rgb >> 16 & 0xff) * 0.55 + 27 * 0.45);
        int g = (int) Math.round((rgb >> 8 & 0xff) * 0.55 + 31 * 0.45);
        int b = (int) Math.round((rgb & 0xff) * 0.55 + 36 * 0.45);
        return r << 16 | g << 8 | b;
    }

    private static boolean near(int a, int b) {
        return Math.abs((a >> 16 & 0xff) - (b >> 16 & 0xff)) <= 6 && Math.abs((a >> 8 & 0xff) - (b >> 8 & 0xff)) <= 6
                && Math.abs((a & 0xff) - (b & 0xff)) <= 6;
    }
}
