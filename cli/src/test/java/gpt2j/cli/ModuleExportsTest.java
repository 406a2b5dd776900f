package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each module exports, read from the compiled module descriptors (not from the code), and the README's "Use from
 * Java" example compiled by javac as a program outside gpt2j would be: gpt2j's modules on the module path, itself in
 * the unnamed module, so it sees exported packages only. A control program that imports a kernel must fail to compile.
 */
class ModuleExportsTest {

    /** The compiled gpt2j modules on this test's class path (each module's target/classes), by module name. */
    static Map<String, Path> modules() {
        Map<String, Path> out = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p.resolve("module-info.class"))) {
                ModuleFinder.of(p).findAll().forEach(m -> out.put(m.descriptor().name(), p));
            }
        }
        return out;
    }

    static ModuleDescriptor descriptor(String module) {
        return ModuleFinder.of(modules().get(module)).find(module).orElseThrow().descriptor();
    }

    /** Package -> "*" for an unqualified export, else the modules it is exported to. */
    static Map<String, String> exports(String module) {
        Map<String, String> out = new TreeMap<>();
        for (ModuleDescriptor.Exports e : descriptor(module).exports()) {
            out.put(e.source(), e.isQualified() ? String.join(",", new TreeSet<>(e.targets())) : "*");
        }
        return out;
    }

    @Test
    void onlyTheApiPackagesAreExported() {
        assertEquals(
                Set.of("gpt2j.cli", "gpt2j.engine", "gpt2j.server", "gpt2j.tokenizer", "gpt2j.weights"),
                modules().keySet());
        assertEquals(Map.of("gpt2j.api", "*"), exports("gpt2j.engine"));
        assertTrue(descriptor("gpt2j.engine").packages().containsAll(Set.of("gpt2j.engine", "gpt2j.engine.kernels")));
        assertEquals(Map.of("gpt2j.tokenizer", "*"), exports("gpt2j.tokenizer"));
        assertEquals(Map.of("gpt2j.weights", "*", "gpt2j.weights.hub", "*"), exports("gpt2j.weights"));
        assertEquals(Map.of("gpt2j.server", "*"), exports("gpt2j.server"));
        assertEquals(Map.of(), exports("gpt2j.cli"));
        assertTrue(descriptor("gpt2j.engine").requires().stream()
                .anyMatch(r -> r.name().equals("jdk.incubator.vector")));
        // The CLI and the server read the engine only through its exports: neither reads a package it is not given.
        assertFalse(descriptor("gpt2j.cli").requires().stream()
                .anyMatch(r -> r.name().equals("jdk.incubator.vector")));
    }

    @Test
    void theReadmeExampleCompilesAgainstTheExportsAlone(@TempDir Path out) throws IOException {
        Path example = Path.of("../engine/src/test/java/example/UseFromJavaTest.java");
        assertEquals("", compile(example, out.resolve("example")));
        Path control = out.resolve("Control.java");
        Files.writeString(control, """
                import gpt2j.api.Model;
                class Control {
                    Object kernel = gpt2j.engine.kernels.MatVec.class;
                    Object pass = gpt2j.engine.Forward.class;
                }
                """);
        String errors = compile(control, out.resolve("control"));
        assertTrue(
                errors.contains("package gpt2j.engine.kernels is not visible")
                        && errors.contains("package gpt2j.engine is not visible"),
                errors);
    }

    /**
     * The CLI started as modules ({@code java -p ... -m gpt2j.cli/gpt2j.cli.Main}) rather than from the launcher's
     * class path: every module it needs is required, and picocli may fill the commands' fields.
     */
    @Test
    void theCliRunsOnTheModulePath() throws Exception {
        List<String> modulePath =
                new ArrayList<>(modules().values().stream().map(Path::toString).toList());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (Stream.of("picocli-", "jackson-", "progressbar-", "jline-", "prometheus-metrics-")
                    .anyMatch(name::startsWith)) {
                modulePath.add(entry);
            }
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        java.toString(),
                        "--add-modules",
                        "jdk.incubator.vector",
                        "--enable-native-access=gpt2j.engine,gpt2j.weights",
                        "-p",
                        String.join(File.pathSeparator, modulePath),
                        "-m",
                        "gpt2j.cli/gpt2j.cli.Main",
                        "tokenize",
                        "--json",
                        "Hello world")
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        // GPT-2's ids for the text, as tiktoken's r50k gives them.
        String ids =
                output.lines().filter(l -> !l.startsWith("WARNING")).findFirst().orElse("");
        assertEquals("[15496,995]", ids, output);
    }

    /** Compiles {@code source} in the unnamed module against gpt2j's modules; returns javac's errors ("" when none). */
    private static String compile(Path source, Path classes) throws IOException {
        List<String> modulePath =
                new ArrayList<>(modules().values().stream().map(Path::toString).toList());
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            // Jackson is a module that gpt2j.weights requires; JUnit is what the example's test harness uses.
            if (name.startsWith("jackson-")) {
                modulePath.add(entry);
            } else if (name.endsWith(".jar")
                    && Stream.of("junit", "opentest4j", "apiguardian").anyMatch(name::contains)) {
                classPath.add(entry);
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        Files.createDirectories(classes);
        int code = javac.getTask(
                                errors,
                                null,
                                null,
                                List.of(
                                        "-d",
                                        classes.toString(),
                                        "-Xlint:-incubating",
                                        "--module-path",
                                        String.join(File.pathSeparator, modulePath),
                                        "--add-modules",
                                        "gpt2j.engine",
                                        "-classpath",
                                        String.join(File.pathSeparator, classPath)),
                                null,
                                javac.getStandardFileManager(null, null, null).getJavaFileObjects(source))
                        .call()
                ? 0
                : 1;
        String text =
                errors.toString().lines().filter(l -> !l.contains("incubat")).collect(Collectors.joining("\n"));
        return code == 0 ? "" : text.isEmpty() ? "javac failed" : text;
    }
}
