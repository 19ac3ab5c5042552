package org.softwareheritage.provenance.client.cli;

import picocli.CommandLine;

/**
 * Turns an unexpected failure of a command (an unreadable file, a bad setting) into one line on
 * stderr and the exit code {@value WhereIsCommand#EXIT_FAILED}, instead of a stack trace.
 */
final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(
      Exception e, CommandLine command, CommandLine.ParseResult parseResult) {
    String message =
        e.getMessage() == null
            ? e.getClass().getSimpleName()
            : e.getMessage().lines().findFirst().orElse("");
    command.getErr().println("error: " + message);
    command.getErr().flush();
    return WhereIsCommand.EXIT_FAILED;
  }
}
