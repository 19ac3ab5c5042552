package org.softwareheritage.provenance.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.GRAPH2;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.client.CallRecorder;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.RunningServer;

/**
 * The shaded {@code provenance-client.jar} run as a process against a real server on the golden
 * database.
 */
class WhereIsCliIT {
  @TempDir static Path directory;

  private static final CallRecorder CALLS = new CallRecorder();
  private static RunningServer server;

  private static final String CNT1 = swhid("cnt", "01");
  private static final String QUALIFIED1 =
      CNT1 + ";origin=" + GRAPH2 + ";anchor=" + swhid("rev", "03");

  /** Exit code, stdout lines (or their count) and stderr lines of one run. */
  private record Run(int exit, List<String> out, long outLines, List<String> err) {}

  @BeforeAll
  static void start() throws Exception {
    server =
        RunningServer.start(
            ExampleDirectory.write(directory.resolve("db")),
            FlightOptions.DEFAULT,
            builder -> builder.intercept(CALLS));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static Run run(List<String> stdin, int repeatStdin, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-Xmx64m",
                "--sun-misc-unsafe-memory-access=allow",
                "-jar",
                System.getProperty("executable.jar")));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    CompletableFuture<Void> input =
        CompletableFuture.runAsync(
            () -> {
              try (OutputStream raw = process.getOutputStream();
                  PrintWriter writer =
                      new PrintWriter(
                          new java.io.OutputStreamWriter(raw, StandardCharsets.UTF_8))) {
                for (int i = 0; i < repeatStdin; i++) {
                  stdin.forEach(writer::println);
                }
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    CompletableFuture<List<String>> err =
        CompletableFuture.supplyAsync(() -> lines(process.getErrorStream()));
    List<String> out = new ArrayList<>();
    long count = 0;
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (count++ < 1000) {
          out.add(line);
        }
      }
    }
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the client exits");
    input.get(10, TimeUnit.SECONDS);
    return new Run(process.exitValue(), out, count, err.get(10, TimeUnit.SECONDS));
  }

  private static List<String> lines(java.io.InputStream stream) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      return reader.lines().toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private String target() {
    return "--target=127.0.0.1:" + server.port();
  }

  @Test
  void argumentsGiveQualifiedSwhidsInOrder() throws Exception {
    Run run =
        run(
            List.of(),
            0,
            "whereis",
            target(),
            CNT1,
            swhid("dir", "06"),
            swhid("rel", "19"),
            swhid("cnt", "99"));
    assertEquals(0, run.exit(), run.err().toString());
    assertEquals(
        List.of(
            QUALIFIED1,
            swhid("dir", "06"),
            swhid("rel", "19") + ";anchor=" + swhid("rel", "19"),
            swhid("cnt", "99")),
        run.out());
    assertEquals(List.of(), run.err());
  }

  @Test
  void jsonAndCsvFormats() throws Exception {
    Run json = run(List.of(), 0, "whereis", target(), "--format=json", CNT1, swhid("dir", "06"));
    assertEquals(
        List.of(
            "{\"swhid\":\""
                + CNT1
                + "\",\"anchor\":\""
                + swhid("rev", "03")
                + "\",\"origin\":\""
                + GRAPH2
                + "\"}",
            "{\"swhid\":\"" + swhid("dir", "06") + "\",\"anchor\":null,\"origin\":null}"),
        json.out());
    Run csv = run(List.of(), 0, "whereis", target(), "--format", "CSV", CNT1, swhid("dir", "06"));
    assertEquals(
        List.of(
            "swhid,anchor,origin",
            CNT1 + "," + swhid("rev", "03") + "," + GRAPH2,
            swhid("dir", "06") + ",,"),
        csv.out());
    assertEquals(0, csv.exit());
  }

  @Test
  void invalidStdinLinesAreReportedWithTheirNumberAndTheRestAnswered() throws Exception {
    Run run =
        run(
            List.of(
                CNT1,
                "",
                "not-a-swhid",
                "SWH:1:CNT:" + "0".repeat(40),
                "  " + swhid("rel", "19") + "  "),
            1,
            "whereis",
            target());
    assertEquals(1, run.exit());
    assertEquals(
        List.of(QUALIFIED1, swhid("rel", "19") + ";anchor=" + swhid("rel", "19")), run.out());
    assertEquals(2, run.err().size(), run.err().toString());
    assertTrue(
        run.err().get(0).startsWith("line 3: invalid SWHID 'not-a-swhid'"), run.err().get(0));
    assertTrue(run.err().get(1).startsWith("line 4: "), run.err().get(1));
  }

  @Test
  void hundredThousandSwhidsFromStdinInBoundedMemory() throws Exception {
    List<String> cycle =
        List.of(
            CNT1, swhid("cnt", "04"), swhid("dir", "06"), swhid("snp", "20"), swhid("cnt", "99"));
    Run run = run(cycle, 20_000, "whereis", target(), "--progress", "--format=csv");
    assertEquals(0, run.exit(), run.err().toString());
    assertEquals(100_001, run.outLines(), "a header and one line per SWHID, with -Xmx64m");
    assertEquals(CNT1 + "," + swhid("rev", "03") + "," + GRAPH2, run.out().get(1));
    assertEquals(swhid("cnt", "99") + ",,", run.out().get(5));
    assertTrue(
        run.err().stream().anyMatch(line -> line.contains("100,000 SWHIDs answered")),
        run.err().toString());
  }

  @Test
  void tokenFromAFileIsSent() throws Exception {
    Path token = Files.writeString(directory.resolve("token"), "file-token\n");
    CALLS.calls().clear();
    Run run = run(List.of(), 0, "whereis", target(), "--token-file", token.toString(), CNT1);
    assertEquals(0, run.exit(), run.err().toString());
    assertEquals("Bearer file-token", CALLS.calls().get(CALLS.calls().size() - 1).authorization());
  }

  @Test
  void serviceFailureAndUsageErrorsHaveTheirExitCodes() throws Exception {
    Run unreachable = run(List.of(), 0, "whereis", "--target=127.0.0.1:1", "--deadline=30", CNT1);
    assertEquals(3, unreachable.exit());
    assertEquals(1, unreachable.err().size(), unreachable.err().toString());
    assertTrue(
        unreachable.err().get(0).startsWith("error: 127.0.0.1:1: UNAVAILABLE"),
        unreachable.err().get(0));
    Run format = run(List.of(), 0, "whereis", "--format=xml", CNT1);
    assertEquals(2, format.exit());
    Run both = run(List.of(), 0, "whereis", "--token=a", "--token-file=b", CNT1);
    assertEquals(2, both.exit());
    assertTrue(both.err().get(0).contains("not both"), both.err().toString());
  }
}
