package org.softwareheritage.provenance.server.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import io.sentry.Sentry;
import io.sentry.logback.SentryAppender;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Sentry as upstream configures it: {@code SWH_SENTRY_DSN} (unset: nothing is sent), {@code
 * SWH_SENTRY_ENVIRONMENT}, and {@code SWH_SENTRY_DISABLE_LOGGING_EVENTS} (set to true/1/yes: ERROR
 * log lines are not sent, only INTERNAL call errors and load failures). Events carry the service's
 * release.
 */
public final class SentryReporting implements AutoCloseable {
  private static final String APPENDER = "SENTRY";

  private SentryReporting() {}

  /**
   * Initialises Sentry from {@code env}; closing flushes pending events and detaches from logging.
   */
  public static SentryReporting fromEnvironment(Map<String, String> env) {
    String dsn = env.get("SWH_SENTRY_DSN");
    SentryReporting reporting = new SentryReporting();
    if (dsn == null || dsn.isBlank()) {
      return reporting;
    }
    Sentry.init(
        options -> {
          options.setDsn(dsn);
          options.setEnvironment(env.get("SWH_SENTRY_ENVIRONMENT"));
          options.setRelease(release());
          options.setEnableUncaughtExceptionHandler(true);
        });
    String disable = env.getOrDefault("SWH_SENTRY_DISABLE_LOGGING_EVENTS", "");
    if (!disable.matches("(?i)true|1|yes")) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      SentryAppender appender = new SentryAppender();
      appender.setName(APPENDER);
      appender.setContext(context);
      appender.setMinimumEventLevel(Level.ERROR);
      appender.setMinimumBreadcrumbLevel(Level.INFO);
      // a failed call is reported once, by the call monitor, with its request: not again as its
      // access-log line
      appender.addFilter(
          new Filter<>() {
            @Override
            public FilterReply decide(ILoggingEvent event) {
              return CallMonitor.ACCESS_LOGGER.equals(event.getLoggerName())
                  ? FilterReply.DENY
                  : FilterReply.NEUTRAL;
            }
          });
      appender.start();
      context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }
    return reporting;
  }

  /** {@code swh-provenance@VERSION} from the jar manifest ("dev" when run from classes). */
  public static String release() {
    String version = SentryReporting.class.getPackage().getImplementationVersion();
    return "swh-provenance@" + (version == null ? "dev" : version);
  }

  @Override
  public void close() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(APPENDER);
    Sentry.close();
  }
}
