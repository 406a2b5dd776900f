package gpt2j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The same model, prompt, options and seed give bit-identical logits and tokens whatever ran before: after a different
 * prompt, again after many runs (C2 has compiled the kernels by then), and in a fresh JVM limited to C1, where the
 * Vector API runs its Java fallbacks as the interpreter does (their lane-order reduceLanes once differed from C2's
 * tree in the last bits). F32, Q8_0 and Q4_0 weights; prompts of 3 and 40 tokens cover the one-token and the batched
 * kernels.
 */
class ReproducibilityTest {

    static final Path MODEL = Path.of("src/test/resources/fixtures/f32-hf/model");

    @Test
    void sameSeedSameBitsWhateverRanBefore() throws Exception {
        List<String> first = ReproducibleRun.runAll(MODEL);
        assertEquals(first, ReproducibleRun.runAll(MODEL), "a second time");
        for (int i = 0; i < 3; i++) ReproducibleRun.runAll(MODEL);
        assertEquals(first, ReproducibleRun.runAll(MODEL), "after the kernels are compiled");
        assertEquals(first, fresh("-XX:TieredStopAtLevel=1"), "in a fresh JVM, C1 only (the Vector API's fallbacks)");
        assertNotEquals(first.get(0).split(": ")[1], first.get(2).split(": ")[1], "Q8_0 and F32 differ");
    }

    private static List<String> fresh(String mode) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                mode,
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path")));
        String bits = System.getProperty("gpt2.vectorBits");
        if (bits != null) command.add("-Dgpt2.vectorBits=" + bits);
        command.addAll(List.of(ReproducibleRun.class.getName(), MODEL.toString()));
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
        assertEquals(0, p.exitValue(), mode + ": " + out);
        return List.of(out.split("\\R"));
    }
}
