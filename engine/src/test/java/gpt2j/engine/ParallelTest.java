package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// A lost wake-up or a miscounted job hangs the caller: fail instead of hanging the build.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ParallelTest {

    @Test
    void everyRowRunsExactlyOnceInGrainAlignedChunks() {
        try (Parallel p = new Parallel(3)) {
            for (int rows : new int[] {1, 15, 16, 17, 100, 768, 2304, 50257}) {
                for (int call = 0; call < 20; call++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(rows);
                    p.forRows(rows, (start, end) -> {
                        assertTrue(start % Parallel.ROW_GRAIN == 0, "chunk start " + start);
                        for (int r = start; r < end; r++) hits.incrementAndGet(r);
                    });
                    for (int r = 0; r < rows; r++) assertEquals(1, hits.get(r), "row " + r + " of " + rows);
                }
            }
        }
    }

    @Test
    void moreGrainsThanTheTicketCountsAreCoarsenedToMultiplesOfTheGrain() {
        try (Parallel p = new Parallel(2)) {
            int rows = 1_500_007; // 93,751 grains of 16 rows: more than the 65,535 a ticket counts
            AtomicIntegerArray hits = new AtomicIntegerArray(rows);
            p.forRows(rows, (start, end) -> {
                assertTrue(start % Parallel.ROW_GRAIN == 0, "chunk start " + start);
                for (int r = start; r < end; r++) hits.incrementAndGet(r);
            });
            for (int r = 0; r < rows; r++) assertEquals(1, hits.get(r), "row " + r);
        }
    }

    @Test
    void backToBackJobsOfDifferentShapesNeverMix() {
        // Workers that wake late must never run a chunk of an old job with a new job's fields, or the reverse.
        try (Parallel p = new Parallel(3)) {
            int[] sizes = {12, 768, 40, 2304, 3, 100};
            int[][] hits = new int[sizes.length][];
            for (int i = 0; i < sizes.length; i++) hits[i] = new int[sizes[i]];
            Parallel.RowRange[] bodies = new Parallel.RowRange[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                int[] h = hits[i];
                int rows = sizes[i];
                bodies[i] = (start, end) -> {
                    assertTrue(end <= rows, "end " + end + " beyond " + rows);
                    for (int r = start; r < end; r++) h[r]++;
                };
            }
            int calls = 20_000;
            for (int c = 0; c < calls; c++) {
                int i = c % sizes.length;
                p.forRows(sizes[i], i % 2 == 0 ? 1 : 16, bodies[i]);
            }
            for (int i = 0; i < sizes.length; i++) {
                int expected = calls / sizes.length + (i < calls % sizes.length ? 1 : 0);
                for (int r = 0; r < sizes[i]; r++) assertEquals(expected, hits[i][r], "job " + i + " row " + r);
            }
        }
    }

    @Test
    void workIsSharedAndWritesAreVisibleToTheCaller() {
        try (Parallel p = new Parallel(2)) {
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            int[] out = new int[12];
            for (int call = 0; call < 200; call++) {
                p.forRows(12, 1, (start, end) -> {
                    threads.add(Thread.currentThread());
                    for (int h = start; h < end; h++) {
                        out[h]++;
                        // Long enough that the worker, woken by the caller, gets a share.
                        long t = System.nanoTime();
                        while (System.nanoTime() - t < 20_000) Thread.onSpinWait();
                    }
                });
            }
            for (int v : out) assertEquals(200, v); // plain writes, read after forRows returns
            assertEquals(2, threads.size());
        }
    }

    @Test
    void oneThreadRunsInline() {
        try (Parallel p = new Parallel(1)) {
            Thread caller = Thread.currentThread();
            p.forRows(1000, (start, end) -> {
                assertSame(caller, Thread.currentThread());
                assertEquals(0, start);
                assertEquals(1000, end);
            });
        }
    }

    @Test
    void aFailingBodyIsRethrownAndThePoolStaysUsable() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> p.forRows(1000, (start, end) -> {
                        if (start <= 500 && 500 < end) throw new IllegalStateException("boom");
                    }));
            assertEquals("boom", e.getMessage());
            int[] sum = new int[1];
            p.forRows(1000, 1000, (start, end) -> sum[0] += end - start);
            assertEquals(1000, sum[0]);
        }
        assertThrows(EngineException.class, () -> new Parallel(0));
    }
}
