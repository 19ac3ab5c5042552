package org.softwareheritage.provenance.server.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code provenance-server.jar}. */
@Command(
    name = "provenance-server",
    mixinStandardHelpOptions = true,
    description =
        "Software Heritage provenance service: indexes a provenance database and serves it.",
    subcommands = {
      ServeCommand.class,
      IndexCommand.class,
      HealthCommand.class,
      VerifyCommand.class,
      GenExampleCommand.class,
      GenSyntheticCommand.class
    })
public final class ProvenanceServerCommand {
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with the service's error handling (one line per problem, no stack trace) and
   * its logging: java.util.logging, which grpc-java uses, goes to logback like the rest.
   */
  public static CommandLine commandLine() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    return new CommandLine(new ProvenanceServerCommand())
        .setExecutionExceptionHandler(new OneLineErrors());
  }
}
