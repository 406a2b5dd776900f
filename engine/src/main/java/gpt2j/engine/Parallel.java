package gpt2j.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool that splits a row range into chunks and runs them on the calling thread plus {@code threads - 1}
 * workers. Chunks are handed out by an atomic counter (ggml's scheme), so a thread that is descheduled on a busy
 * machine does not hold the others back. Workers spin briefly between calls (a token's matmuls follow each other
 * within microseconds), then park. Nothing is allocated per call: callers keep their {@link RowRange} bodies in fields.
 * One caller at a time; a body must not call back into the same pool.
 */
public final class Parallel implements AutoCloseable {

    /** Work on rows {@code [start, end)}. */
    @FunctionalInterface
    public interface RowRange {
        void run(int start, int end);
    }

    /** Default chunk granularity for matrix rows: a GPT-2 row is only a few hundred multiply-adds. */
    public static final int ROW_GRAIN = 16;

    // onSpinWait iterations before parking: long enough to bridge the gap between two matmuls of one token.
    private static final int SPINS = 1 << 14;
    // Chunks per thread: several per thread let fast threads take over a slow one's share.
    private static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();

    // The current job, published to workers by the volatile write of generation.
    private RowRange body;
    private int rows;
    private int chunk;
    private Thread caller;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    public Parallel() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public Parallel(int threads) {
        if (threads < 1) {
            throw new EngineException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "gpt2j-worker-" + (i + 1));
            t.setDaemon(true); // a forgotten close() must not keep the JVM alive
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} over [0, rows) in chunks of a multiple of {@link #ROW_GRAIN} rows. */
    public void forRows(int rows, RowRange body) {
        forRows(rows, ROW_GRAIN, body);
    }

    /**
     * Runs {@code body} over [0, rows) in chunks whose size is a multiple of {@code grain} (the last may be shorter);
     * returns when every row is done. A body's exception is rethrown here after all threads have stopped.
     */
    public void forRows(int rows, int grain, RowRange body) {
        if (rows <= 0) return;
        if (threads == 1 || rows <= grain) {
            body.run(0, rows);
            return;
        }
        if (closed) throw new IllegalStateException("Parallel is closed");
        int perChunk = ceilDiv(rows, threads * CHUNKS_PER_THREAD);
        this.chunk = ceilDiv(perChunk, grain) * grain;
        this.body = body;
        this.rows = rows;
        this.caller = Thread.currentThread();
        nextChunk.set(0);
        pending.set(workers.length);
        generation++; // publishes the fields above
        for (Thread w : workers) LockSupport.unpark(w);

        work();
        for (int i = 0; pending.get() != 0; i++) {
            if (i < SPINS) Thread.onSpinWait();
            else LockSupport.park(this);
        }
        this.body = null;
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    private void work() {
        RowRange b = body;
        int n = rows;
        int size = chunk;
        try {
            for (int c = nextChunk.getAndIncrement(); (long) c * size < n; c = nextChunk.getAndIncrement()) {
                int start = c * size;
                b.run(start, Math.min(n, start + size));
            }
        } catch (Throwable t) {
            failure = t;
            nextChunk.set(Integer.MAX_VALUE / 2); // stop the others from taking more chunks
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (true) {
            int g;
            for (int i = 0; (g = generation) == seen; i++) {
                if (closed) return;
                if (i < SPINS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            seen = g;
            Thread c = caller;
            work();
            if (pending.decrementAndGet() == 0) LockSupport.unpark(c);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
