package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    private static final String MODEL = Fixtures.model("f32-openai").toString(); // context 32

    @Test
    void jsonHasOneRowPerThreadsTypeAndTest() {
        Cli r = Cli.run(
                "bench",
                "-m",
                MODEL,
                "-p",
                "16",
                "-n",
                "8",
                "-t",
                "1,2",
                "-r",
                "2",
                "--type",
                "f32,q8_0",
                "--warmup",
                "0",
                "-o",
                "json");
        assertEquals(0, r.code(), r.err());
        JsonNode rows = Fixtures.parse(r.out());
        assertEquals(2 * 2 * 2, rows.size());
        JsonNode first = rows.get(0);
        assertEquals("model", first.get("model").asText());
        assertEquals("f32", first.get("type").asText());
        assertEquals(1, first.get("threads").asInt());
        assertEquals("pp16", first.get("test").asText());
        assertEquals(16, first.get("n_prompt").asInt());
        assertEquals(0, first.get("n_gen").asInt());
        JsonNode tg = rows.get(1);
        assertEquals("tg8", tg.get("test").asText());
        assertEquals(0, tg.get("n_prompt").asInt());
        assertEquals(8, tg.get("n_gen").asInt());
        assertEquals("q8_0", rows.get(4).get("type").asText());
        for (JsonNode row : rows) {
            // avg and stddev are llama-bench's: the mean and the sample standard deviation (n - 1) of samples_ts.
            JsonNode samples = row.get("samples_ts");
            assertEquals(2, samples.size());
            double a = samples.get(0).asDouble(), b = samples.get(1).asDouble();
            assertTrue(a > 0 && b > 0, row.toString());
            assertEquals((a + b) / 2, row.get("avg_ts").asDouble(), 1e-9 * (a + b), row.toString());
            assertEquals(
                    Math.abs(a - b) / Math.sqrt(2), row.get("stddev_ts").asDouble(), 1e-9 * (a + b), row.toString());
        }
    }

    @Test
    void commaSeparatedTestSizesGiveOneRowEach() {
        // As llama-bench: -p 4,8 -n 0,6 is pp4, pp8 and tg6 (a 0 skips); the longest test is checked against the
        // context.
        Cli r = Cli.run(
                "bench", "-m", MODEL, "-p", "4,8", "-n", "0,6", "-t", "1", "-r", "1", "--warmup", "0", "-o", "csv");
        assertEquals(0, r.code(), r.err());
        assertEquals(
                java.util.List.of("pp4", "pp8", "tg6"),
                r.out().lines().skip(1).map(l -> l.split(",")[3]).toList(),
                r.out());
        assertTrue(Cli.run("bench", "-m", MODEL, "-p", "4", "-n", "8,40", "-r", "1")
                .oneLineFailure()
                .contains("context"));
        assertEquals(2, Cli.run("bench", "-m", MODEL, "-p", "4,-1").code());
    }

    @Test
    void markdownAndCsv() {
        Cli md = Cli.run("bench", "-m", MODEL, "-p", "4", "-n", "0", "-t", "1", "-r", "1", "--warmup", "0");
        assertEquals(0, md.code(), md.err());
        assertTrue(md.out().startsWith("| model | type | threads | test | t/s |"), md.out());
        assertTrue(md.out().contains("| model | f32 | 1 | pp4 | "), md.out());
        Cli csv =
                Cli.run("bench", "-m", MODEL, "-p", "0", "-n", "4", "-t", "1", "-r", "1", "--warmup", "0", "-o", "csv");
        assertEquals(0, csv.code(), csv.err());
        assertEquals(2, csv.out().lines().count());
        assertTrue(csv.out().lines().skip(1).findFirst().orElseThrow().startsWith("model,f32,1,tg4,0,4,"), csv.out());
    }

    @Test
    void testsLongerThanTheContextAreRefused() {
        assertTrue(Cli.run("bench", "-m", MODEL, "-p", "64", "-r", "1")
                .oneLineFailure()
                .contains("context"));
        assertEquals(2, Cli.run("bench", "-m", MODEL, "-t", "0").code());
        assertEquals(2, Cli.run("bench", "-m", MODEL, "-o", "xml").code());
    }

    @Test
    void warmupGoesOnWhileTheJitCompilesUpToItsLimit() {
        // (now, warm-up end, settle end, JIT ms before the run, after it)
        assertTrue(BenchCommand.keepWarming(1, 10, 40, 5, 5), "the minimum time comes first");
        assertTrue(BenchCommand.keepWarming(20, 10, 40, 5, 9), "past it, a run during which the JIT compiled");
        assertFalse(BenchCommand.keepWarming(20, 10, 40, 9, 9), "a run without compilation ends it");
        assertFalse(BenchCommand.keepWarming(40, 10, 40, 5, 9), "the limit ends it even while compiling");
        assertFalse(BenchCommand.keepWarming(0, 0, 0, 5, 9), "--warmup 0: one run");
    }

    @Test
    void warmupRunsForAtLeastTheGivenTime() {
        long start = System.nanoTime();
        Cli r = Cli.run("bench", "-m", MODEL, "-p", "4", "-n", "0", "-t", "1", "-r", "1", "--warmup", "0.5");
        assertEquals(0, r.code(), r.err());
        assertTrue(System.nanoTime() - start >= 500_000_000L, "a 0.5 s warm-up ended early");
        Cli negative = Cli.run("bench", "-m", MODEL, "--warmup", "-1");
        assertEquals(2, negative.code());
        assertTrue(negative.err().contains("--warmup must be between 0 and 600 seconds"), negative.err());
        assertEquals(2, Cli.run("bench", "-m", MODEL, "--warmup", "NaN").code());
    }

    @Test
    void statistics() {
        assertEquals(2.0, BenchCommand.mean(new double[] {1, 2, 3}), 1e-12);
        assertEquals(1.0, BenchCommand.stddev(new double[] {1, 2, 3}), 1e-12);
        assertEquals(0.0, BenchCommand.stddev(new double[] {5}), 0);
    }
}
