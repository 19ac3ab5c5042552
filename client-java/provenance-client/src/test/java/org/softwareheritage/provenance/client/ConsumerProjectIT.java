package org.softwareheritage.provenance.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.GRAPH2;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.RunningServer;

/**
 * A user's Maven project depending only on {@code provenance-client}, resolved from this build's
 * artifacts (installed into a private repository by the pom's pre-integration-test executions):
 * nothing of Arrow or picocli comes with it, its runtime jars stay within the size the README
 * promises, and its demo program answers from a real server.
 */
class ConsumerProjectIT {
  /** The README's promise for the jars a user downloads with {@code provenance-client}. */
  private static final long MAX_DOWNLOAD_BYTES = 15_000_000;

  /**
   * {@code group:artifact:type[:classifier]:version:scope:/path/to/file.jar}, as dependency:list
   * prints it.
   */
  private static final Pattern LISTED =
      Pattern.compile("^\\s*([^:\\s]+):([^:\\s]+):[^/]*:(compile|runtime):(/.+?\\.jar)");

  @TempDir static Path directory;

  private static Path project;
  private static String tree;

  /** One runtime jar the project resolved. */
  private record Dependency(String group, String artifact, Path jar) {}

  private static final List<Dependency> DEPENDENCIES = new ArrayList<>();

  @BeforeAll
  static void resolve() throws Exception {
    project = copyProject(Path.of("src", "test", "consumer"), directory.resolve("consumer"));
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(),
                "-B",
                "-ntp",
                "-Dmaven.repo.local=" + System.getProperty("consumer.repository"),
                "dependency:list@list",
                "dependency:tree@tree"));
    if (System.getProperty("reactor.mode").equals("offline=true")) {
      command.addAll(List.of("-o", "-Daether.offline.protocols=file"));
    }
    Run run = run(project, command);
    assertEquals(0, run.exit(), "the consumer project resolves:\n" + run.output());
    tree = Files.readString(project.resolve("target/tree.txt"));
    for (String line : Files.readAllLines(project.resolve("target/dependencies.txt"))) {
      Matcher listed = LISTED.matcher(line);
      if (listed.find()) {
        DEPENDENCIES.add(
            new Dependency(listed.group(1), listed.group(2), Path.of(listed.group(4))));
      }
    }
  }

  /** The project template, with this build's version and local repository filled in. */
  private static Path copyProject(Path template, Path target) throws IOException {
    String repository = Path.of(System.getProperty("reactor.repository")).toUri().toString();
    try (Stream<Path> files = Files.walk(template)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        Path copy = target.resolve(template.relativize(file).toString());
        Files.createDirectories(copy.getParent());
        Files.writeString(
            copy,
            Files.readString(file)
                .replace("@client.version@", System.getProperty("consumer.version"))
                .replace("@build.repository.url@", repository));
      }
    }
    return target;
  }

  private record Run(int exit, String output) {}

  private static Run run(Path workingDirectory, List<String> command) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "finished: " + command);
    return new Run(process.exitValue(), output);
  }

  @Test
  void nothingOfArrowNorPicocliComesWithTheClient() {
    assertTrue(DEPENDENCIES.stream().anyMatch(d -> d.artifact().equals("provenance-client")), tree);
    assertTrue(DEPENDENCIES.stream().anyMatch(d -> d.artifact().equals("grpc-okhttp")), tree);
    List<String> leaked =
        DEPENDENCIES.stream()
            .filter(
                d -> d.group().startsWith("org.apache.arrow") || d.group().equals("info.picocli"))
            .map(d -> d.group() + ":" + d.artifact())
            .toList();
    assertEquals(List.of(), leaked, "provenance-client must not bring these:\n" + tree);
  }

  @Test
  void theDownloadStaysWithinTheReadmesSize() throws IOException {
    long bytes = 0;
    for (Dependency dependency : DEPENDENCIES) {
      bytes += Files.size(dependency.jar());
    }
    System.out.printf(
        "provenance-client and its %d dependencies: %,d bytes%n%s%n",
        DEPENDENCIES.size() - 1, bytes, tree);
    assertTrue(
        bytes <= MAX_DOWNLOAD_BYTES,
        bytes + " bytes of jars, more than " + MAX_DOWNLOAD_BYTES + ":\n" + tree);
  }

  @Test
  void theDemoProgramAnswersFromARealServer() throws Exception {
    try (RunningServer server =
        RunningServer.start(ExampleDirectory.write(directory.resolve("db")))) {
      String classPath =
          String.join(
              File.pathSeparator,
              DEPENDENCIES.stream().map(dependency -> dependency.jar().toString()).toList());
      Run run =
          run(
              project,
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  classPath,
                  "src/main/java/Demo.java",
                  "127.0.0.1:" + server.port(),
                  swhid("cnt", "01")));
      assertEquals(0, run.exit(), run.output());
      assertTrue(
          run.output()
              .lines()
              .anyMatch(
                  line ->
                      line.equals(
                          swhid("cnt", "01")
                              + ";origin="
                              + GRAPH2
                              + ";anchor="
                              + swhid("rev", "03"))),
          run.output());
    }
  }
}
