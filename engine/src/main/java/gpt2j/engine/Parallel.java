package gpt2j.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool that splits a row range into chunks and runs them on the calling thread plus {@code threads - 1}
 * workers. Chunks are claimed from a shared counter (ggml's scheme) and the call returns when every chunk is done,
 * not when every worker has reported: on a busy machine a worker that is slow to wake simply finds nothing left,
 * instead of holding the caller back. Workers spin briefly between calls (a token's matmuls follow each other within
 * microseconds), then park. Nothing is allocated per call: callers keep their {@link RowRange} bodies in fields.
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
    private static final int SPINS = 1 << 13;
    // Chunks per thread: several per thread let fast threads take over a slow one's share.
    private static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final Thread[] workers;
    private final AtomicIntegerArray parked; // 1 while worker i is (about to be) parked

    // The current job. Written only while no chunk of the previous job is running, published by the ticket.
    private RowRange body;
    private int rows;
    private int chunk;
    private Thread caller;
    // (generation << 32) | (chunk count << 16) | next chunk to claim. A thread that claims a chunk by CAS reads the
    // job fields afterwards: the job cannot complete, so its fields cannot change, before that chunk is done.
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger(); // chunks not yet finished
    private volatile int generation; // bumped per job so that waiting workers notice new work
    private volatile boolean callerParked;
    private volatile boolean closed;
    private volatile Throwable failure;

    public Parallel() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public Parallel(int threads) {
        if (threads < 1 || threads > 4096) {
            throw new EngineException("threads must be between 1 and 4096, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new AtomicIntegerArray(threads - 1);
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            Thread t = new Thread(() -> workerLoop(index), "gpt2j-worker-" + (i + 1));
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
     * returns when every row is done. A body's exception is rethrown here once every claimed chunk has finished.
     */
    public void forRows(int rows, int grain, RowRange body) {
        if (rows <= 0) return;
        if (threads == 1 || rows <= grain) {
            body.run(0, rows);
            return;
        }
        if (closed) throw new IllegalStateException("Parallel is closed");
        int size = ceilDiv(ceilDiv(rows, threads * CHUNKS_PER_THREAD), grain) * grain;
        int chunks = ceilDiv(rows, size); // at most threads * CHUNKS_PER_THREAD, so it fits 16 bits
        this.body = body;
        this.rows = rows;
        this.chunk = size;
        this.caller = Thread.currentThread();
        remaining.set(chunks);
        int g = generation + 1;
        ticket.set((long) g << 32 | (long) chunks << 16);
        generation = g;
        for (int i = 0; i < workers.length; i++) {
            if (parked.get(i) != 0) LockSupport.unpark(workers[i]);
        }

        work();
        for (int i = 0; remaining.get() != 0; i++) {
            if (i < SPINS) {
                Thread.onSpinWait();
            } else {
                callerParked = true;
                if (remaining.get() != 0) LockSupport.park(this);
                callerParked = false;
            }
        }
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    /** Claims and runs chunks of the current job until none is left. */
    private void work() {
        while (true) {
            long t = ticket.get();
            int count = (int) (t >>> 16) & 0xffff, c = (int) t & 0xffff;
            if (c >= count) return;
            if (!ticket.compareAndSet(t, t + 1)) continue;
            try {
                if (failure == null) body.run(c * chunk, Math.min(rows, (c + 1) * chunk));
            } catch (Throwable e) {
                failure = e;
            } finally {
                if (remaining.decrementAndGet() == 0 && callerParked) LockSupport.unpark(caller);
            }
        }
    }

    private void workerLoop(int index) {
        int seen = 0;
        while (!closed) {
            int g = generation;
            if (g == seen) {
                waitForWork(index, seen);
            } else {
                seen = g;
                work();
            }
        }
    }

    private void waitForWork(int index, int seen) {
        for (int i = 0; generation == seen && !closed; i++) {
            if (i < SPINS) {
                Thread.onSpinWait();
            } else {
                parked.set(index, 1);
                // Re-check after announcing: a caller that published before seeing the flag is caught here.
                if (generation == seen && !closed) LockSupport.park(this);
                parked.set(index, 0);
            }
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
