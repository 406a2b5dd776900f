package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import jdk.incubator.vector.Vector;
import org.junit.jupiter.api.Test;

/**
 * No kernel hands a vector to a method or gets one back, except through the few small helpers named here. C2 inlines
 * a helper only while the helper's own compiled code stays under 2,500 bytes (InlineSmallCode) and the caller's graph
 * under its node budget; a call it does not inline boxes every vector that crosses it. Q8_0's one-block helper sat at
 * that size, so about one process in 10-40 ran Q8_0 4-20x slower for its whole life (docs/PERFORMANCE.md, "slow
 * processes"). The helpers allowed compile alone to under half of that limit (Simd.sum ~0.5 kB, MatVecF16.toFloat ~0.75 kB
 * at 512, 256 and 128 bits).
 */
class KernelHelpersTest {

    private static final Set<String> ALLOWED = Set.of("Simd.sum", "MatVecF16.toFloat");

    @Test
    void noKernelPassesAVectorThroughACallButTheSmallHelpers() throws Exception {
        Path dir = Path.of(Simd.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .resolve(Simd.class.getPackageName().replace('.', '/'));
        List<String> classes;
        try (Stream<Path> files = Files.list(dir)) {
            classes = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()))
                    .sorted()
                    .toList();
        }
        // The package's kernels are all here: a wrong directory would make the test pass on nothing.
        assertTrue(classes.contains("MatVecQ8_0") && classes.contains("Attention"), "kernel classes in " + dir);

        List<String> found = new ArrayList<>();
        for (String name : classes) {
            Class<?> c = Class.forName(Simd.class.getPackageName() + "." + name, false, Simd.class.getClassLoader());
            for (Method m : c.getDeclaredMethods()) {
                if (m.isSynthetic()) continue;
                boolean vectors = Vector.class.isAssignableFrom(m.getReturnType());
                for (Class<?> p : m.getParameterTypes()) vectors |= Vector.class.isAssignableFrom(p);
                String id = c.getSimpleName() + "." + m.getName();
                if (vectors && !ALLOWED.contains(id)) found.add(id);
            }
        }
        assertEquals(List.of(), found, "kernel methods that take or return a vector");
    }
}
