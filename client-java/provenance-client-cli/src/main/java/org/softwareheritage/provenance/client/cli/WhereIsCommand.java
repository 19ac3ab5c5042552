package org.softwareheritage.provenance.client.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.softwareheritage.provenance.client.ClientBuilder;
import org.softwareheritage.provenance.client.ProvenanceClient;
import org.softwareheritage.provenance.client.ProvenanceException;
import org.softwareheritage.provenance.client.ProvenanceResult;
import org.softwareheritage.provenance.swhid.Swhid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code whereis}: the provenance of SWHIDs given as arguments or on stdin (one per line, streamed
 * in batches with bounded memory), one output line per valid SWHID in input order.
 */
@Command(
    name = "whereis",
    mixinStandardHelpOptions = true,
    description = {
      "Prints where objects come from: their earliest revision or release (anchor) and an origin.",
      "SWHIDs come from the arguments, or from stdin (one per line) when there are none or one is"
          + " '-'."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:every SWHID was answered",
      "1:some inputs were not valid SWHIDs (the others were answered)",
      "2:bad command-line usage",
      "3:the service failed (unreachable, deadline exceeded, ...)"
    })
final class WhereIsCommand implements Callable<Integer> {
  static final int EXIT_INVALID_INPUT = 1;
  static final int EXIT_FAILED = 3;

  @Parameters(
      paramLabel = "SWHID",
      description = "Core SWHIDs, e.g. swh:1:cnt:…; none or '-': read stdin.")
  private List<String> swhids = new ArrayList<>();

  @Option(
      names = "--target",
      paramLabel = "HOST:PORT",
      defaultValue = ClientBuilder.DEFAULT_TARGET,
      description = "The server (default: ${DEFAULT-VALUE}).")
  private String target;

  @Option(
      names = "--format",
      defaultValue = "qualified",
      paramLabel = "qualified|json|csv",
      description =
          "Output: qualified SWHIDs (bare SWHID when no provenance), JSON Lines, or CSV (default:"
              + " ${DEFAULT-VALUE}).")
  private OutputFormat format;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "Bearer token sent with every call.")
  private String token;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "File whose first line is the bearer token.")
  private Path tokenFile;

  @Option(
      names = "--tls",
      description = "Use TLS (trusting the JVM's certificate authorities unless --ca-file).")
  private boolean tls;

  @Option(
      names = "--ca-file",
      paramLabel = "PEM",
      description = "Certificate authorities to trust (implies --tls).")
  private Path caFile;

  @Option(
      names = "--batch-size",
      defaultValue = "10000",
      paramLabel = "N",
      description = "SWHIDs per call (default: ${DEFAULT-VALUE}).")
  private int batchSize;

  @Option(
      names = "--deadline",
      defaultValue = "60",
      paramLabel = "SECONDS",
      description = "Deadline of each call, in seconds (default: ${DEFAULT-VALUE}).")
  private long deadlineSeconds;

  @Option(
      names = "--progress",
      negatable = true,
      description =
          "Show progress on stderr (default: when reading stdin and stderr is a terminal).")
  private Boolean progress;

  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    ProvenanceClient.Builder builder = clientBuilder();
    boolean stdin = swhids.isEmpty() || swhids.contains("-");
    PrintWriter err =
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    PrintWriter out =
        new PrintWriter(
            new BufferedWriter(
                new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16));
    try (Reporter reporter =
        new Reporter(err, progress != null ? progress : stdin && Reporter.stderrIsTerminal())) {
      SwhidInput input =
          stdin
              ? SwhidInput.lines(
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                      .lines()
                      .iterator(),
                  reporter::problem)
              : SwhidInput.arguments(swhids.iterator(), reporter::problem);
      int code = answer(builder, input, out, reporter);
      return code != 0 ? code : input.invalid() > 0 ? EXIT_INVALID_INPUT : 0;
    }
  }

  private int answer(
      ProvenanceClient.Builder builder, Iterator<Swhid> input, PrintWriter out, Reporter reporter) {
    try (ProvenanceClient client = builder.build();
        Stream<ProvenanceResult> results = client.streamWhereAre(input)) {
      if (format.header() != null) {
        out.println(format.header());
      }
      results.forEachOrdered(
          result -> {
            out.println(format.line(result));
            reporter.answered();
          });
      return 0;
    } catch (ProvenanceException e) {
      reporter.problem(
          "error: "
              + target
              + ": "
              + e.getMessage()
              + " ("
              + reporter.answeredCount()
              + " SWHIDs answered, the others not)");
      return EXIT_FAILED;
    } finally {
      out.flush();
    }
  }

  private ProvenanceClient.Builder clientBuilder() {
    if (token != null && tokenFile != null) {
      throw new ParameterException(spec.commandLine(), "use --token or --token-file, not both");
    }
    ProvenanceClient.Builder builder;
    try {
      builder =
          ProvenanceClient.builder()
              .target(target)
              .batchSize(batchSize)
              .deadline(Duration.ofSeconds(deadlineSeconds));
      if (caFile != null) {
        builder.tls(caFile);
      } else if (tls) {
        builder.tls();
      }
      if (tokenFile != null) {
        builder.bearerToken(readToken(tokenFile));
      } else if (token != null) {
        builder.bearerToken(token);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e, null, null);
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), "cannot read the token file " + tokenFile + ": " + e, e, null, null);
    }
    return builder;
  }

  private static String readToken(Path file) throws IOException {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("the token file " + file + " is empty"));
    }
  }
}
