package gpt2j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Closing a model unmaps its weights while other threads are in the middle of forward passes over them. The F32
 * mat-vec reads the mapping at absolute addresses, outside the segment's checks, so a pass that outlived the mapping
 * would crash the JVM (and this test's fork with it): every pass must finish first, and every call after the close
 * must throw {@link IllegalStateException}.
 */
class CloseWhileRunningTest {

    static final Path F32 = Path.of("src/test/resources/fixtures/f32-hf/model");

    @Test
    void passesRunningWhenTheModelClosesFinishOrThrowNeverCrash() throws Exception {
        Model model = Model.open(F32, ModelOptions.builder().threads(2).build());
        assertEquals(List.of("F32"), model.info().matrixTypes());
        int[] tokens = new int[48];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (7 * i + 3) % model.vocabSize();
        AtomicLong passes = new AtomicLong();
        ExecutorService callers = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        running.add(callers.submit(
                () -> { // one token at a time: the one-token F32 mat-vec
                    Session s = model.newSession();
                    while (true) {
                        if (s.position() == s.capacity()) s.reset();
                        s.append(tokens[s.position() % tokens.length]);
                        passes.incrementAndGet();
                    }
                }));
        running.add(callers.submit(
                () -> { // batched prompts and the head at every position
                    while (true) {
                        model.score(tokens, ScoreOptions.defaults());
                        passes.incrementAndGet();
                    }
                }));
        running.add(callers.submit(
                () -> { // a completion, token by token, with its own session
                    while (true) {
                        model.complete(
                                tokens,
                                CompletionOptions.greedy().toBuilder()
                                        .maxTokens(8)
                                        .build(),
                                (id, text) -> true);
                        passes.incrementAndGet();
                    }
                }));
        while (passes.get() < 30) Thread.sleep(1);
        model.close();
        for (Future<?> f : running) {
            Throwable t = assertThrowsWithin(f);
            assertTrue(t instanceof IllegalStateException && t.getMessage().contains("closed"), String.valueOf(t));
        }
        callers.shutdown();
        assertTrue(callers.awaitTermination(10, TimeUnit.SECONDS));
    }

    private static Throwable assertThrowsWithin(Future<?> f) throws InterruptedException {
        try {
            f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("a caller returned without an exception");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("a caller still runs 30 s after the close");
        }
    }
}
