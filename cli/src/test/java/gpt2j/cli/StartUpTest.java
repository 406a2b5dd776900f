package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StartUpTest {

    // A /proc/self/stat line as Linux writes it (proc(5)): the start time, field 22, is 1234567 ticks after boot.
    private static final String STAT = "4242 (java (x) y) S 4241 4242 4241 34816 4242 4194304 9188 0 0 0 31 7 0 0 20 0 "
            + "20 0 1234567 10417844224 33413 18446744073709551615 1 1 0 0 0 0 0 4096 16796879 0 0 0 17 1 0 0 0 0 0";

    @Test
    void timeBeforeMainComesFromTheStartTickAndTheUptime() {
        // Started at 12345.67 s after boot; main began 250 ms later; /proc/uptime was read 1000 ms after that.
        assertEquals(250, StartUp.procMillisBeforeMain(STAT, "12346.92 24000.00\n", 1000), 1e-6);
        assertEquals(0, StartUp.procMillisBeforeMain(STAT, "12345.67 1.00", 0), 1e-6);
    }

    @Test
    void textThatIsNotProcGivesNaN() {
        assertTrue(Double.isNaN(StartUp.procMillisBeforeMain("garbage", "12346.92 1", 0)));
        assertTrue(Double.isNaN(StartUp.procMillisBeforeMain(STAT, "not a number", 0)));
        assertTrue(Double.isNaN(StartUp.procMillisBeforeMain("1 (sh) S 2 3", "1.0 1.0", 0)));
    }
}
