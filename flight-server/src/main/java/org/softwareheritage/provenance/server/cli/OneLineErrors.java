package org.softwareheritage.provenance.server.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Turns a failed command into one line on stderr and exit code 1; the stack trace goes to the debug
 * log.
 */
final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(OneLineErrors.class);

  @Override
  public int handleExecutionException(
      Exception e, CommandLine command, CommandLine.ParseResult parseResult) {
    LOG.debug("{} failed", command.getCommandName(), e);
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    command.getErr().println("error: " + message.lines().findFirst().orElse(""));
    command.getErr().flush();
    return 1;
  }
}
