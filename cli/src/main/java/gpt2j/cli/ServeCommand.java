package gpt2j.cli;

import gpt2j.api.Model;
import gpt2j.server.CompletionServer;
import gpt2j.server.ServerOptions;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "serve",
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {
            "Serve the model over HTTP with OpenAI's completions API.",
            "",
            "POST /v1/completions (stream, logprobs, echo, n, stop, seed, logit_bias, penalties), GET /v1/models, "
                    + "POST /tokenize, POST /detokenize, GET /health, GET /metrics (Prometheus). Up to --parallel "
                    + "sequences are decoded together; further requests wait in a queue of --queue sequences, then get "
                    + "429. Listens on loopback unless --host says otherwise, which needs --api-key. Stops on Ctrl-C or "
                    + "SIGTERM after the running completions finish."
        })
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    Main root;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption modelOption;

    @Option(
            names = "--host",
            paramLabel = "ADDR",
            defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "8080",
            description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = {"-np", "--parallel"},
            paramLabel = "N",
            defaultValue = "4",
            description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(
            names = {"-c", "--ctx-size"},
            paramLabel = "N",
            description = "KV cache positions per sequence (default: the model's context).")
    Integer ctxSize;

    @Option(
            names = "--queue",
            paramLabel = "N",
            defaultValue = "64",
            description = "Sequences that may wait for a slot before requests get 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY'.")
    String apiKey;

    @Option(names = "--allow-unauthenticated", description = "Allow a non-loopback --host without --api-key.")
    boolean allowUnauthenticated;

    @Option(
            names = "--alias",
            paramLabel = "NAME",
            description = "Model id reported by /v1/models (default: the file name).")
    String alias;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ServerOptions options;
        try {
            options = new ServerOptions(
                    host,
                    port,
                    parallel,
                    ctxSize == null ? Integer.MAX_VALUE : ctxSize,
                    queue,
                    4 << 20,
                    apiKey,
                    allowUnauthenticated);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        int threadCount = threads.count(spec, root.err());
        Path path = modelOption.path();
        try (Model model = ModelOption.open(path, threadCount, null)) {
            String id = alias != null ? alias : modelOption.name(path);
            CompletionServer server;
            try {
                server = CompletionServer.start(model, id, options);
            } catch (BindException e) {
                throw new UserException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                root.err().println("gpt2j: shutting down (finishing running completions)");
                server.close();
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            root.err()
                    .printf(
                            "gpt2j: serving %s on http://%s:%d (parallel %d, context %d, threads %d)%n",
                            id,
                            server.address().getHostString(),
                            server.address().getPort(),
                            parallel,
                            Math.min(options.contextLength(), model.contextLength()),
                            threadCount);
            stopped.await();
        }
        return 0;
    }
}
