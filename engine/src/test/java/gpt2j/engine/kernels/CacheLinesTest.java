package gpt2j.engine.kernels;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;

class CacheLinesTest {

    @Test
    void theShiftedElementStartsALine() throws Throwable {
        // The tests run with native access (pom.xml), as the launcher does. A second route to the address, memchr
        // finding the zero just written at the shifted element, checks the shift's arithmetic.
        assertTrue(CacheLinesTest.class.getModule().isNativeAccessEnabled(), "the tests should have native access");
        CacheLines.prepare();
        for (long end = System.nanoTime() + 20_000_000_000L; !CacheLines.ready(); Thread.sleep(5)) {
            assertTrue(System.nanoTime() < end, "memset was not found within 20 s");
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle memchr = linker.downcallHandle(
                linker.defaultLookup().find("memchr").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG),
                Linker.Option.critical(true));
        int seen = 0;
        for (int size = 16; size < 4096; size += 37) {
            float[] a = new float[size];
            java.util.Arrays.fill(a, Float.intBitsToFloat(0x01010101)); // no zero byte
            int shift = CacheLines.shift(a);
            assertTrue(shift >= 0 && shift < CacheLines.FLOATS, "shift " + shift);
            a[shift] = 0f; // four zero bytes, the only ones in a
            long at = ((MemorySegment) memchr.invokeExact(MemorySegment.ofArray(a), 0, (long) size * Float.BYTES))
                    .address();
            assertEquals(0, at % (CacheLines.FLOATS * Float.BYTES), "a[" + shift + "] of float[" + size + "]");
            seen |= 1 << shift;
        }
        // Arrays start at different places in their lines, so more than one shift must have come up.
        assertTrue(Integer.bitCount(seen) > 1, "shifts seen: " + Integer.toBinaryString(seen));
    }
}
