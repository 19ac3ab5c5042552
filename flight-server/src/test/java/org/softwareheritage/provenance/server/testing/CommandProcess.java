package org.softwareheritage.provenance.server.testing;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.softwareheritage.provenance.server.cli.ProvenanceServerCommand;

/**
 * A {@code provenance-server} command run to its end in a JVM of its own (the test classpath, the
 * JVM flags of the image plus {@code jvmFlags}), with its exit code and its output (stdout and
 * stderr together) line by line.
 */
public record CommandProcess(int exitCode, List<String> lines) {
  /** Runs {@code args} with the extra {@code jvmFlags}; fails after {@code timeoutSeconds}. */
  public static CommandProcess run(List<String> jvmFlags, List<String> args, long timeoutSeconds)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow"));
    command.addAll(jvmFlags);
    command.addAll(
        List.of(
            "-cp", System.getProperty("java.class.path"), ProvenanceServerCommand.class.getName()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          String.join(" ", args)
              + " still running after "
              + timeoutSeconds
              + " s:\n"
              + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new CommandProcess(process.exitValue(), output.lines().toList());
  }

  /**
   * The lines that are not log lines of level INFO or WARN (e.g. the one-line error, stack traces).
   */
  public List<String> nonLogLines() {
    return lines.stream().filter(line -> !line.matches("\\S+ (INFO|WARN) +\\S+ - .*")).toList();
  }
}
