package org.softwareheritage.provenance.client.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code provenance-client} command line: {@code whereis} asks where objects come from. */
@Command(
    name = "provenance-client",
    mixinStandardHelpOptions = true,
    version = "provenance-client 0.1.0",
    description = "Client of the Software Heritage provenance service.",
    subcommands = {WhereIsCommand.class, CommandLine.HelpCommand.class})
public final class ProvenanceClientCommand implements Runnable {
  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "provenance-client-logback.xml");
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(commandLine().execute(args));
  }

  /** The command line with its error handling, as {@link #main} runs it. */
  static CommandLine commandLine() {
    return new CommandLine(new ProvenanceClientCommand())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(new OneLineErrors());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a command is required, e.g. whereis");
  }
}
