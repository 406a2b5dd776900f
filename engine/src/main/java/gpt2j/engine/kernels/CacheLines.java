package gpt2j.engine.kernels;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where a float array's elements stand against the 64-byte cache lines. A heap array's elements start 16 bytes into a
 * line in most places, so a 64-byte vector read from it spans two lines; the prompt tile reads its inputs that way,
 * and on the Intel it ran ~20% slower for it (docs/KERNELS.md). Java tells no heap array's address, but a critical
 * downcall may pass the array itself to native code, and C's {@code memset(p, 0, 0)} returns p. That takes native
 * access for this module, which the launcher grants; without it (a program embedding the engine that does not grant
 * it), or where the C library has no memset, every array counts as aligned. The linker's first use takes 70-90 ms, so
 * memset is looked up on a thread of its own, and until it is found every array counts as aligned too: a process's
 * first prompt does not wait for it. Where the tokens start never changes a result's bits, only its speed.
 */
final class CacheLines {

    /** Floats per line. */
    static final int FLOATS = 16;

    private static final AtomicBoolean LOOKED_FOR = new AtomicBoolean();
    private static volatile MethodHandle memset; // null until found, or where there is none

    private CacheLines() {}

    /** Starts looking memset up, once per process; {@link #shift} starts it too. */
    static void prepare() {
        if (LOOKED_FOR.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("gpt2j-memset-lookup").start(() -> memset = memset());
        }
    }

    /** Whether {@link #shift} can tell where arrays lie yet. */
    static boolean ready() {
        return memset != null;
    }

    /**
     * Floats from a[0] to the first element of a that starts a line (0 to FLOATS - 1); 0 where it cannot be known, or
     * not yet.
     */
    static int shift(float[] a) {
        MethodHandle h = memset;
        if (h == null) {
            prepare();
            return 0;
        }
        try {
            long address = ((MemorySegment) h.invokeExact(MemorySegment.ofArray(a), 0, 0L)).address();
            return (int) ((-address & (FLOATS * Float.BYTES - 1)) / Float.BYTES);
        } catch (Throwable e) {
            return 0;
        }
    }

    // Asked only where native access is granted, so that no run prints the JDK's warning about it.
    private static MethodHandle memset() {
        if (!CacheLines.class.getModule().isNativeAccessEnabled()) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup()
                    .find("memset")
                    .map(f -> linker.downcallHandle(
                            f,
                            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG),
                            Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
