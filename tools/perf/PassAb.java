import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two builds of gpt2j in one process, each in its own class loader, timed pass by pass in alternation: a prompt of
 * PROMPT tokens from an empty session, then GEN tokens decoded one at a time. Each round runs A then B (B then A in
 * odd rounds), so a phase of the shared machine hits both alike, and the result is the median of the rounds' paired
 * ratios time(A) / time(B), B's speedup. The first quarter of the rounds is warm-up. Run by pass_ab.sh:
 *
 * <pre>java --add-modules jdk.incubator.vector tools/perf/PassAb.java MODEL THREADS ROUNDS PROMPT GEN A.jar B.jar</pre>
 */
public class PassAb {

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
        int promptLength = Integer.parseInt(args[3]), gen = Integer.parseInt(args[4]);
        Side a = new Side(args[5], model, threads), b = new Side(args[6], model, threads);
        int[] prompt = new int[promptLength];
        for (int i = 0; i < promptLength; i++) prompt[i] = 100 + 37 * i % 5000; // any tokens: speed only
        List<Double> promptRatios = new ArrayList<>(), genRatios = new ArrayList<>();
        List<Double> promptA = new ArrayList<>(), promptB = new ArrayList<>();
        List<Double> genA = new ArrayList<>(), genB = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double[] ta, tb;
            if (r % 2 == 0) {
                ta = a.pass(prompt, gen);
                tb = b.pass(prompt, gen);
            } else {
                tb = b.pass(prompt, gen);
                ta = a.pass(prompt, gen);
            }
            if (r < rounds / 4) continue;
            promptA.add(ta[0]);
            promptB.add(tb[0]);
            promptRatios.add(ta[0] / tb[0]);
            if (gen > 0) {
                genA.add(ta[1]);
                genB.add(tb[1]);
                genRatios.add(ta[1] / tb[1]);
            }
        }
        System.out.printf(
                "prompt of %d: A %.1f ms, B %.1f ms (medians); B's speedup %s%n",
                promptLength, median(promptA), median(promptB), summary(promptRatios));
        if (gen > 0) {
            System.out.printf(
                    "%d tokens one at a time: A %.1f ms, B %.1f ms (medians); B's speedup %s%n",
                    gen, median(genA), median(genB), summary(genRatios));
        }
        System.exit(0); // the models' worker threads
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static String summary(List<Double> ratios) {
        List<Double> s = new ArrayList<>(ratios);
        Collections.sort(s);
        int n = s.size();
        return String.format(
                "median %.3f, quartiles %.3f-%.3f, %d pairs", s.get(n / 2), s.get(n / 4), s.get(3 * n / 4), n);
    }

    /** One build: its model and session, reached through reflection (the two builds' classes are distinct). */
    private static final class Side {
        private final Object session;
        private final Method append, reset;

        Side(String jar, Path model, int threads) throws Exception {
            ClassLoader loader =
                    new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> modelClass = loader.loadClass("gpt2j.api.Model");
            Class<?> optionsClass = loader.loadClass("gpt2j.api.ModelOptions");
            Object builder = optionsClass.getMethod("builder").invoke(null);
            builder = builder.getClass().getMethod("threads", int.class).invoke(builder, threads);
            Object options = builder.getClass().getMethod("build").invoke(builder);
            Object m = modelClass.getMethod("open", Path.class, optionsClass).invoke(null, model, options);
            session = modelClass.getMethod("newSession", int.class).invoke(m, 1024);
            append = session.getClass().getMethod("append", int[].class);
            reset = session.getClass().getMethod("reset");
            append.setAccessible(true);
            reset.setAccessible(true);
        }

        /** Milliseconds for the prompt, then for gen single tokens after it. */
        double[] pass(int[] prompt, int gen) throws Exception {
            reset.invoke(session);
            long t0 = System.nanoTime();
            append.invoke(session, (Object) prompt);
            long t1 = System.nanoTime();
            int[] one = {198};
            for (int i = 0; i < gen; i++) append.invoke(session, (Object) one);
            long t2 = System.nanoTime();
            return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
        }
    }
}
