package gpt2j.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool that splits a row range into chunks and runs them on the calling thread plus {@code threads - 1}
 * workers. Chunks are claimed from a shared counter (ggml's scheme), guided: each claim takes a share of what is left,
 * so chunks start large and end at one grain, and the threads finish within one grain of each other. The call returns
 * when every row is done, not when every worker has reported: on a busy machine a worker that is slow to wake simply
 * finds less or nothing left, instead of holding the caller back. Workers spin briefly between calls (a token's
 * matmuls follow each other within microseconds), then park. Nothing is allocated per call: callers keep their
 * {@link RowRange} bodies in fields. One caller at a time; a body must not call back into the same pool.
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
    // Claims count grains in 16 bits of the ticket.
    private static final int MAX_GRAINS = 0xffff;

    private final int threads;
    private final Thread[] workers;
    private final AtomicIntegerArray parked; // 1 while worker i is (about to be) parked

    // The current job. Written only while no chunk of the previous job is running, published by the ticket.
    private RowRange body;
    private int rows;
    private int grain;
    private Thread caller;
    // (generation << 32) | (grain count << 16) | next grain to claim. A thread that claims grains by CAS reads the
    // job fields afterwards: the job cannot complete, so its fields cannot change, before those grains are done.
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger(); // grains not yet finished
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
        if (ceilDiv(rows, grain) > MAX_GRAINS) grain = ceilDiv(ceilDiv(rows, MAX_GRAINS), grain) * grain;
        int grains = ceilDiv(rows, grain);
        this.body = body;
        this.rows = rows;
        this.grain = grain;
        this.caller = Thread.currentThread();
        remaining.set(grains);
        int g = generation + 1;
        ticket.set((long) g << 32 | (long) grains << 16);
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

    /** Claims and runs chunks of the current job until none is left; reports the grains it ran once, at the end. */
    private void work() {
        int done = 0;
        while (true) {
            long t = ticket.get();
            int count = (int) (t >>> 16) & 0xffff, next = (int) t & 0xffff;
            if (next >= count) break;
            // 1/threads of the grains left: halves, quarters, ... down to one grain, so the threads finish within a
            // grain of each other; equal chunks left them a chunk apart (measurements: docs/KERNELS.md).
            int take = Math.max(1, (count - next) / threads);
            if (!ticket.compareAndSet(t, t + take)) continue;
            try {
                if (failure == null) body.run(next * grain, Math.min(rows, (next + take) * grain));
            } catch (Throwable e) {
                failure = e;
            }
            done += take;
        }
        if (done > 0 && remaining.addAndGet(-done) == 0 && callerParked) LockSupport.unpark(caller);
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
