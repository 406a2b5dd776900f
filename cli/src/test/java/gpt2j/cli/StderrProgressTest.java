package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.junit.jupiter.api.Test;

class StderrProgressTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String written() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void onATerminalOneBarRedrawnInPlace() {
        try (StderrProgress p = new StderrProgress(err, true, 0, "quantize", 4, 0, StderrProgress.Unit.TENSORS)) {
            for (int i = 1; i <= 4; i++) {
                p.note("ppl " + (10 + i));
                p.stepTo(i);
            }
        }
        String s = written();
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), s); // \r redraws, one newline at the end
        assertTrue(s.startsWith("\rquantize "), s);
        assertTrue(s.contains("100%") && s.contains(" 4/4 tensors") && s.endsWith(" ppl 14\n"), s);
    }

    @Test
    void aBarClosedBeforeItsFirstDrawStillEndsItsLine() throws Exception {
        // progressbar draws on one shared thread; hold it with another bar's draw, so ours closes before its first.
        CountDownLatch drawing = new CountDownLatch(1), release = new CountDownLatch(1);
        ProgressBar holder = new ProgressBarBuilder()
                .setTaskName("holder")
                .setInitialMax(1)
                .setConsumer(new DelegatingProgressBarConsumer(line -> {
                    drawing.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }))
                .build();
        try {
            assertTrue(drawing.await(30, TimeUnit.SECONDS));
            StderrProgress p = new StderrProgress(err, true, 0, "quantize", 2, 0, StderrProgress.Unit.TENSORS);
            p.stepTo(2);
            Thread closing = Thread.ofPlatform().start(p::close);
            Thread.sleep(300); // close() has cancelled the first draw and waits for its last
            release.countDown();
            closing.join(30_000);
            assertFalse(closing.isAlive());
        } finally {
            release.countDown();
            holder.close();
        }
        String s = written();
        assertTrue(s.contains(" 2/2 tensors"), s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), s);
    }

    @Test
    void elsewhereALineAtMostEveryIntervalAndNoneForAShortJob() {
        try (StderrProgress p = new StderrProgress(err, false, 0, "perplexity", 3, 0, StderrProgress.Unit.TOKENS)) {
            for (int i = 1; i <= 3; i++) {
                p.note("ppl " + (10 + i));
                p.stepTo(i);
            }
        }
        List<String> lines = written().lines().toList();
        assertEquals(2, lines.size(), written()); // none for the finished state: the command reports that
        assertTrue(lines.get(0).startsWith("gpt2j: perplexity: 1 of 3 tokens (33%), "), lines.get(0));
        assertTrue(lines.get(1).startsWith("gpt2j: perplexity: 2 of 3 tokens (66%), "), lines.get(1));
        assertTrue(lines.get(1).endsWith(", ppl 12"), lines.get(1));
        bytes.reset();
        try (StderrProgress p =
                new StderrProgress(err, false, 5_000_000_000L, "quantize", 100, 0, StderrProgress.Unit.TENSORS)) {
            for (int i = 1; i <= 100; i++) p.stepTo(i);
        }
        assertEquals("", written()); // a one-second job off a terminal: no line per tensor, no line at all
    }

    @Test
    void bytesAreShownInKibOrMib() {
        try (StderrProgress p = new StderrProgress(
                err, false, 0, "model.safetensors", 3 << 20, 1 << 20, StderrProgress.Unit.bytes(3 << 20))) {
            p.stepBy(1 << 20);
            assertEquals(1 << 20, p.advanced());
            p.stepBy(1 << 20);
        }
        assertTrue(written().startsWith("gpt2j: model.safetensors: 2.0 MiB of 3.0 MiB (66%)"), written());
    }
}
